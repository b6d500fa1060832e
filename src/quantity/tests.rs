//! Table-driven tests of the quantity engine: extraction in Vietnamese and
//! English (every category of the engine), comparison of claim and source
//! figures, sentences of the shared corpus read by path, and properties
//! (numbers round-trip through both locales; arbitrary input never panics).

use super::*;
use crate::text::Language::{self, English as En, Vietnamese as Vi};

/// A compact, readable description of a quantity: kind, qualifier and value,
/// then the facts that matter for its kind.
fn describe(quantity: &Quantity) -> String {
    let kind = match quantity.kind {
        QuantityKind::Count => "count",
        QuantityKind::Percent => "pct",
        QuantityKind::Fraction => "frac",
        QuantityKind::Money => "money",
        QuantityKind::Measure => "measure",
        QuantityKind::Date => "date",
        QuantityKind::Year => "year",
        QuantityKind::Ordinal => "ord",
        QuantityKind::Multiplier => "mult",
        QuantityKind::Identifier => "id",
    };
    let qualifier = match quantity.qualifier {
        Qualifier::Exact => "",
        Qualifier::Approximate => "~",
        Qualifier::MoreThan => ">",
        Qualifier::AtLeast => ">=",
        Qualifier::LessThan => "<",
        Qualifier::AtMost => "<=",
    };
    let mut out = format!("{kind} {qualifier}");
    match quantity.kind {
        QuantityKind::Date => out.push_str(&quantity.iso_date()),
        QuantityKind::Year => out.push_str(&quantity.iso_date()),
        QuantityKind::Identifier => out.push_str(&quantity.identifier),
        QuantityKind::Fraction => out.push_str(&format!("{}/{}", quantity.value, quantity.total)),
        _ => out.push_str(&format!("{}", quantity.value)),
    }
    if let Some(end) = quantity
        .range_end
        .filter(|_| quantity.kind != QuantityKind::Year)
    {
        out.push_str(&format!("..{end}"));
    }
    if !quantity.unit.is_empty() && quantity.unit != "%" {
        out.push_str(&format!(" u={}", quantity.unit));
    }
    match quantity.direction {
        Direction::Increase => out.push_str(" inc"),
        Direction::Decrease => out.push_str(" dec"),
        Direction::None => {}
    }
    if let Some(change) = quantity.change {
        out.push_str(&format!(" from={} to={}", change.from, change.to));
    }
    out
}

fn extracted(text: &str, language: Language) -> Vec<String> {
    extract_quantities(text, language)
        .iter()
        .map(describe)
        .collect()
}

#[test]
fn extraction_table() {
    let cases: &[(&str, Language, &[&str])] = &[
        // Number formats, Vietnamese.
        ("giảm 1.654 cán bộ", Vi, &["count 1654 u=cán bộ dec"]),
        ("đạt 91,6%", Vi, &["pct 91.6"]),
        ("tổng biên chế là 1.863", Vi, &["count 1863"]),
        ("số sử dụng là 2.010 người", Vi, &["count 2010 u=người"]),
        ("có 1.234.567 dân", Vi, &["count 1234567 u=dân"]),
        ("dài 12,5 km", Vi, &["measure 12.5 u=km"]),
        ("đạt 0,5%", Vi, &["pct 0.5"]),
        ("có 1.234,5 tấn", Vi, &["measure 1234.5 u=tấn"]),
        // A verb after a figure is not what it counts.
        ("xã 17 có 17 thôn", Vi, &["count 17", "count 17 u=thôn"]),
        // Number formats, English.
        (
            "the district cut 1,654 part-time posts",
            En,
            &["count 1654 u=part-time posts dec"],
        ),
        ("growth of 3.5 percent", En, &["pct 3.5"]),
        (
            "a population of 1,234,567 people",
            En,
            &["count 1234567 u=people"],
        ),
        ("it rose 1.654 points", En, &["count 1.654 u=points inc"]),
        ("sales of 2,500.5 tons", En, &["measure 2500.5 u=tons"]),
        // Scale words.
        ("hơn 2 nghìn nhân khẩu", Vi, &["count >2000 u=nhân khẩu"]),
        ("khoảng 1,5 triệu người", Vi, &["count ~1500000 u=người"]),
        ("5.000 tỷ đồng", Vi, &["money 5000000000000 u=đồng"]),
        ("3 ngàn hộ", Vi, &["count 3000 u=hộ"]),
        ("2 tỉ đồng", Vi, &["money 2000000000 u=đồng"]),
        ("1 nghìn tỷ đồng", Vi, &["money 1000000000000 u=đồng"]),
        ("2.5 million people", En, &["count 2500000 u=people"]),
        ("3 billion dollars", En, &["money 3000000000 u=dollars"]),
        ("10 thousand workers", En, &["count 10000 u=workers"]),
        ("a million visitors", En, &["count 1000000 u=visitors"]),
        // Numbers as words.
        ("hai mươi lăm người", Vi, &["count 25 u=người"]),
        ("ba trăm hộ", Vi, &["count 300 u=hộ"]),
        ("bốn thôn", Vi, &["count 4 u=thôn"]),
        ("triển khai hai mô hình", Vi, &["count 2 u=mô hình"]),
        ("mười lăm xã", Vi, &["count 15 u=xã"]),
        ("ba trăm linh năm hộ", Vi, &["count 305 u=hộ"]),
        ("năm người", Vi, &["count 5 u=người"]),
        ("năm 2015", Vi, &["year 2015"]),
        ("năm nay có 3 xã", Vi, &["count 3 u=xã"]),
        ("hằng năm đạt 90%", Vi, &["pct 90"]),
        ("một số cơ quan", Vi, &[]),
        ("đây là một chủ trương lớn", Vi, &[]),
        ("giảm một cơ quan", Vi, &["count 1 u=cơ quan dec"]),
        ("Một năm trước, không ai nghĩ vậy", Vi, &["count 1 u=năm"]),
        ("trong một tuần qua", Vi, &["count 1 u=tuần"]),
        ("Một năm khó khăn đã qua", Vi, &[]),
        ("twenty-one", En, &[]),
        ("twenty one officials", En, &["count 21 u=officials"]),
        ("one hundred and twenty people", En, &["count 120 u=people"]),
        ("three communes merged", En, &["count 3 u=communes merged"]),
        ("one of the districts", En, &[]),
        // Percentages.
        ("đạt 91,6 phần trăm", Vi, &["pct 91.6"]),
        ("đạt 91.6 %", Vi, &["pct 91.6"]),
        ("20 percent of voters", En, &["pct 20"]),
        ("20 per cent", En, &["pct 20"]),
        ("tăng 20%", Vi, &["pct 20 inc"]),
        ("a 5% rise in prices", En, &["pct 5 inc"]),
        ("a 5% decline", En, &["pct 5 dec"]),
        // Fractions and shares.
        ("ở 11/11 xã", Vi, &["frac 11/11 u=xã"]),
        ("521/531 chỉ tiêu", Vi, &["frac 521/531 u=chỉ tiêu"]),
        ("3 trong số 11 xã", Vi, &["frac 3/11 u=xã"]),
        ("tất cả 17 xã", Vi, &["frac 17/17 u=xã"]),
        ("tại tất cả các 21 xã", Vi, &["frac 21/21 u=xã"]),
        ("100% bí thư", Vi, &["pct 100"]),
        ("một nửa số xã", Vi, &["frac 1/2 u=số xã"]),
        ("half of the communes", En, &["frac 1/2"]),
        ("3 out of 11 communes", En, &["frac 3/11 u=communes"]),
        ("all 14 districts", En, &["frac 14/14 u=districts"]),
        ("two thirds of voters", En, &["frac 2/3"]),
        // Qualifiers.
        ("gần 560 hộ", Vi, &["count ~560 u=hộ"]),
        ("khoảng 560 hộ", Vi, &["count ~560 u=hộ"]),
        ("chừng 50 người", Vi, &["count ~50 u=người"]),
        ("xấp xỉ 3 tấn", Vi, &["measure ~3 u=tấn"]),
        ("hơn 98%", Vi, &["pct >98"]),
        ("trên 90%", Vi, &["pct >90"]),
        ("dưới 90%", Vi, &["pct <90"]),
        ("ít nhất 10 xã", Vi, &["count >=10 u=xã"]),
        ("tối đa 3 người", Vi, &["count <=3 u=người"]),
        ("không quá 3 người/thôn", Vi, &["count <=3 u=người/thôn"]),
        ("gần như 100%", Vi, &["pct ~100"]),
        ("90% trở lên", Vi, &["pct >=90"]),
        ("about 500 people", En, &["count ~500 u=people"]),
        ("around 20%", En, &["pct ~20"]),
        ("nearly 60 schools", En, &["count ~60 u=schools"]),
        ("almost 90 percent", En, &["pct ~90"]),
        ("over 1,000 houses", En, &["count >1000 u=houses"]),
        ("more than 50 officials", En, &["count >50 u=officials"]),
        ("at least 10 communes", En, &["count >=10 u=communes"]),
        ("under 5%", En, &["pct <5"]),
        ("less than 20 km", En, &["measure <20 u=km"]),
        ("up to 30 tonnes", En, &["measure <=30 u=tonnes"]),
        ("at most 7 days", En, &["count <=7 u=days"]),
        ("100 people or more", En, &["count >=100 u=people"]),
        // Changes and multipliers.
        (
            "giảm từ 56 đầu mối xuống còn 28 đầu mối",
            Vi,
            &[
                "count 56 u=đầu mối",
                "count 28 u=đầu mối",
                "count 28 u=đầu mối dec from=56 to=28",
            ],
        ),
        (
            "tăng từ 10% lên 15%",
            Vi,
            &["pct 10", "pct 15", "pct 5 inc from=10 to=15"],
        ),
        (
            "rose from 200 to 350 people",
            En,
            &[
                "count 200",
                "count 350 u=people",
                "count 150 u=people inc from=200 to=350",
            ],
        ),
        // "từ A đến B" with no change verb over it: a range.
        (
            "trong thời hạn từ 3 đến 7 ngày",
            Vi,
            &["count 3", "count 7 u=ngày", "count 3..7 u=ngày"],
        ),
        (
            "from 20 to 30 people",
            En,
            &["count 20", "count 30 u=people", "count 20..30 u=people"],
        ),
        ("tăng 51 cán bộ", Vi, &["count 51 u=cán bộ inc"]),
        ("cắt giảm 20 biên chế", Vi, &["count 20 u=biên chế dec"]),
        ("tinh giản 200 biên chế", Vi, &["count 200 u=biên chế dec"]),
        (
            "sau sáp nhập còn 11 đơn vị, giảm 5 đơn vị",
            Vi,
            &["count 11 u=đơn vị", "count 5 u=đơn vị dec"],
        ),
        ("gấp 4 lần", Vi, &["mult 4 u=lần"]),
        ("tăng lên gấp 4 lần so với trước", Vi, &["mult 4 u=lần inc"]),
        ("tăng gấp đôi", Vi, &["mult 2 u=lần inc"]),
        ("giảm một nửa", Vi, &["mult 0.5 u=lần dec"]),
        ("gấp ba lần", Vi, &["mult 3 u=lần"]),
        ("revenue doubled", En, &["mult 2 u=lần inc"]),
        ("the deficit halved", En, &["mult 0.5 u=lần dec"]),
        ("three times more", En, &["mult 3 u=times"]),
        ("a 4-fold increase", En, &["mult 4"]),
        ("fell 5% to 1,200", En, &["pct 5 dec", "count 1200"]),
        ("tăng cường 5 cán bộ", Vi, &["count 5 u=cán bộ"]),
        ("nâng cấp 4 xã lên phường", Vi, &["count 4 u=xã"]),
        // Dates and years.
        ("21/04/2020 09:01", Vi, &["date 2020-04-21"]),
        ("ngày 3/3/2015", Vi, &["date 2015-03-03"]),
        (
            "vào ngày 6/12 và 7/12",
            Vi,
            &["date --12-06", "date --12-07"],
        ),
        ("tháng 12/2019", Vi, &["date 2019-12"]),
        ("tháng 12 năm 2019", Vi, &["date 2019-12"]),
        ("tháng 12", Vi, &["date --12"]),
        ("ngày 3 tháng 3 năm 2015", Vi, &["date 2015-03-03"]),
        ("nhiệm kỳ 2020-2022", Vi, &["year 2020/2022"]),
        ("nhiệm kỳ 2016 -2021", Vi, &["year 2016/2021"]),
        ("nhiệm kỳ 2017 – 2020", Vi, &["year 2017/2020"]),
        ("từ năm 2016 đến nay", Vi, &["year 2016"]),
        ("năm học 2018-2019", Vi, &["year 2018/2019"]),
        ("ngày 28/12/2016", Vi, &["date 2016-12-28"]),
        ("March 3, 2015", En, &["date 2015-03-03"]),
        ("on 3 March 2015", En, &["date 2015-03-03"]),
        ("in March 2015", En, &["date 2015-03"]),
        ("2015-03-03", En, &["date 2015-03-03"]),
        ("in 2019 the city", En, &["year 2019"]),
        ("năm 1945", Vi, &["year 1945"]),
        ("Thứ Sáu, 03/12/2021", Vi, &["date 2021-12-03"]),
        // A day and month written with "-" or ".": a date after a word
        // that introduces one, a range, score or decimal otherwise.
        ("sáng 30-3 tại", Vi, &["date --03-30"]),
        ("Sáng 1-3, tại", Vi, &["date --03-01"]),
        ("hôm 27.3 với", Vi, &["date --03-27"]),
        ("ngày 29.3.2023", Vi, &["date 2023-03-29"]),
        ("phát hành 29.3.2023", Vi, &["date 2023-03-29"]),
        (
            "vào ngày 6-12 và 7-12",
            Vi,
            &["date --12-06", "date --12-07"],
        ),
        ("3-5 người", Vi, &["count 3..5 u=người"]),
        ("thắng 2-1", Vi, &["id 2-1"]),
        ("đạt 27.3 điểm", Vi, &["count 27.3 u=điểm"]),
        ("chiều 32.3", Vi, &["count 32.3"]),
        ("từ ngày 31-4", Vi, &["date --04-31"]),
        ("ngày 31/4 tới", Vi, &["date --04-31"]),
        // Days of one month: the first day takes the month of the second.
        (
            "diễn ra từ 3 - 11/6 tại",
            Vi,
            &["date --06-03", "date --06-11"],
        ),
        (
            "diễn ra từ 3 đến 11/6 tại",
            Vi,
            &["date --06-03", "date --06-11"],
        ),
        ("từ 11-14/4 tại", Vi, &["date --04-11", "date --04-14"]),
        ("ngày 4-5.5 tới", Vi, &["date --05-04", "date --05-05"]),
        (
            "trong hai ngày 18 và 19/3",
            Vi,
            &["count 2 u=ngày", "date --03-18", "date --03-19"],
        ),
        (
            "from 3 to 11 June 2023",
            En,
            &["date 2023-06-03", "date 2023-06-11"],
        ),
        ("có 12 và 11/6", Vi, &["count 12", "date --06-11"]),
        // Ordinals.
        ("lần thứ 6", Vi, &["ord 6 u=lần thứ"]),
        ("Hội nghị lần thứ sáu", Vi, &["ord 6 u=lần thứ"]),
        ("khóa XII", Vi, &["ord 12 u=khóa"]),
        ("Hội đồng nhân dân tỉnh khóa XIII", Vi, &["ord 13 u=khóa"]),
        ("khoá 13", Vi, &["ord 13 u=khoá"]),
        (
            "Đại hội Đảng bộ thành phố lần thứ XXIV",
            Vi,
            &["ord 24 u=lần thứ"],
        ),
        ("the 13th congress", En, &["ord 13 u=congress"]),
        ("the third session", En, &["ord 3 u=session"]),
        // Identifiers.
        ("Nghị quyết 19-NQ/TU", Vi, &["id 19-nq/tu u=Nghị quyết"]),
        (
            "Nghị định số 108/2014/NĐ-CP",
            Vi,
            &["id 108/2014/nd-cp u=Nghị định"],
        ),
        (
            "Nghị quyết 837/NQ-UBTVQH14",
            Vi,
            &["id 837/nq-ubtvqh14 u=Nghị quyết"],
        ),
        ("số 53/GP-TTĐT", Vi, &["id 53/gp-ttdt"]),
        (
            "Nghị quyết số 22 của HĐND tỉnh",
            Vi,
            &["id 22 u=Nghị quyết"],
        ),
        ("Nghị định 158", Vi, &["id 158 u=Nghị định"]),
        ("Đề án số 01", Vi, &["id 1 u=Đề án"]),
        ("Chỉ thị số 12-CT/TU", Vi, &["id 12-ct/tu u=Chỉ thị"]),
        ("xăng RON95", Vi, &["id ron95"]),
        ("dịch COVID-19", Vi, &["id covid-19"]),
        ("dịch Covid - 19", Vi, &["id covid-19"]),
        ("gọi 0912345678", Vi, &["id 0912345678"]),
        ("gọi 0912 345 678", Vi, &["id 0912345678"]),
        ("điện thoại (024) 3825 3333", Vi, &["id 02438253333"]),
        ("call +84 912 345 678", En, &["id +84912345678"]),
        ("số 0203.3835.123", Vi, &["id 02033835123"]),
        ("có 0,5 ha", Vi, &["measure 0.5 u=ha"]),
        ("Decree 108 on staff", En, &["id 108 u=Decree"]),
        ("Resolution No. 22", En, &["id 22 u=Resolution"]),
        // Money and measures.
        ("370.000 USD", Vi, &["money 370000 u=USD"]),
        ("$2.5 million", En, &["money 2500000 u=USD"]),
        ("$2.5bn", En, &["money 2500000000 u=USD"]),
        ("xử lý 29.000m tài liệu", Vi, &["measure 29000 u=m"]),
        ("giá 50k một ly", Vi, &["count 50000 u=một ly"]),
        ("a 3m budget", En, &["count 3000000 u=budget"]),
        ("€40 million", En, &["money 40000000 u=EUR"]),
        ("10 triệu đồng", Vi, &["money 10000000 u=đồng"]),
        ("1.200 mét", Vi, &["measure 1200 u=mét"]),
        ("50 ha", Vi, &["measure 50 u=ha"]),
        ("3 tấn", Vi, &["measure 3 u=tấn"]),
        ("5km", En, &["measure 5 u=km"]),
        ("662 đồng chí bí thư", Vi, &["count 662 u=đồng chí bí thư"]),
        // Durations are counts of time.
        ("5 năm qua", Vi, &["count 5 u=năm"]),
        ("sau 5 năm thực hiện", Vi, &["count 5 u=năm"]),
        ("for 3 years", En, &["count 3 u=years"]),
        // Names are not numbers.
        ("Hai Ha giam 22 bien che", Vi, &["count 22 u=bien che dec"]),
        ("Huyện Ba Chẽ có 3 xã", Vi, &["count 3 u=xã"]),
    ];
    let mut failures = Vec::new();
    for (text, language, expected) in cases {
        let got = extracted(text, *language);
        if got != *expected {
            failures.push(format!(
                "{text:?} ({language:?})\n   got      {got:?}\n   expected {expected:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 150);
}

fn first(text: &str) -> Quantity {
    let language = crate::text::detect_language(text);
    extract_quantities(text, language)
        .into_iter()
        .last()
        .unwrap_or_else(|| panic!("no quantity in {text:?}"))
}

#[test]
fn comparison_table() {
    use Outcome::*;
    let cases: &[(&str, &str, Outcome)] = &[
        // Same value, other format or language.
        ("giảm 1654 cán bộ", "giảm 1.654 cán bộ", Match),
        ("cut 1,654 posts", "giảm 1.654 cán bộ", Match),
        ("đạt 91.6%", "đạt 91,6%", Match),
        ("đạt 91,6 phần trăm", "đạt 91,6%", Match),
        ("có 2.000 người", "có 2 nghìn người", Match),
        ("có 2000 người", "có 2 ngàn người", Match),
        ("1,5 triệu người", "1.500.000 người", Match),
        ("1.5 million people", "1,5 triệu người", Match),
        ("hai mô hình", "2 mô hình", Match),
        ("bốn thôn", "4 thôn", Match),
        ("22 biên chế", "22 biên chế", Match),
        ("32 biên chế", "22 biên chế", Mismatch),
        ("15 cán bộ", "51 cán bộ", Mismatch),
        ("341 người", "143 người", Mismatch),
        ("2.010 người", "2.100 người", Mismatch),
        // Rounding.
        ("đạt 98%", "đạt 98,12%", Compatible),
        ("đạt 91,7%", "đạt 91,6%", Mismatch),
        ("có 2 nghìn người", "có 2.010 người", Compatible),
        ("có 3 nghìn người", "có 2.010 người", Mismatch),
        // Qualifiers on either side.
        ("hơn 92%", "trên 92%", Match),
        ("khoảng 560 hộ", "gần 560 hộ", Match),
        ("khoảng 600 hộ", "gần 560 hộ", Compatible),
        // The same qualifier word with another figure is a changed figure,
        // unless the source's bound implies the claim's.
        ("khoảng 60 cháu", "khoảng 56 cháu", Mismatch),
        ("Khoảng 56 cháu", "khoảng 56 cháu", Match),
        ("hơn 9 tỉ đồng", "hơn 8,5 tỉ đồng", Mismatch),
        ("hơn 100 người", "hơn 150 người", Compatible),
        ("khoảng 2 triệu người", "khoảng 2,1 triệu người", Compatible),
        ("hơn 98%", "đạt 98,12%", Compatible),
        ("dưới 90%", "đạt 91,6%", Mismatch),
        ("dưới 95%", "đạt 91,6%", Compatible),
        ("trên 90%", "đạt 91,6%", Compatible),
        ("trên 95%", "đạt 91,6%", Mismatch),
        ("khoảng 90%", "đạt 91,6%", Compatible),
        ("khoảng 50%", "đạt 91,6%", Mismatch),
        ("đạt 90%", "trên 90%", Compatible),
        ("đạt 95%", "trên 90%", Incomparable),
        ("đạt 80%", "trên 90%", Mismatch),
        ("hơn 1.000 nhân khẩu", "hơn 2 nghìn nhân khẩu", Compatible),
        ("hơn 5 nghìn nhân khẩu", "hơn 2 nghìn nhân khẩu", Mismatch),
        ("hơn 5.000 nhân khẩu", "hơn 2 nghìn nhân khẩu", Mismatch),
        ("ít nhất 10 xã", "12 xã", Compatible),
        ("ít nhất 10 xã", "8 xã", Mismatch),
        ("tối đa 3 người", "không quá 3 người", Match),
        ("tối đa 5 người", "không quá 3 người", Compatible),
        ("at least 10 communes", "12 xã", Compatible),
        ("about 560 households", "gần 560 hộ", Match),
        ("more than 98%", "98,12%", Compatible),
        ("less than 90%", "91,6%", Mismatch),
        ("nearly 600", "556", Compatible),
        // Rounding reaches at most a twentieth of the figure; an
        // approximate qualifier 8% either way.
        ("2 triệu thuê bao", "1,72 triệu thuê bao", Mismatch),
        ("1,7 triệu thuê bao", "1,72 triệu thuê bao", Compatible),
        ("9%", "8,5%", Mismatch),
        ("gần 10.000 thuốc", "gần 8.880 thuốc", Mismatch),
        ("khoảng 9.000 thuốc", "gần 8.880 thuốc", Compatible),
        // Percent, fraction, all.
        ("100% bí thư", "101/101 bí thư", Compatible),
        ("đạt 98,12%", "521/531 chỉ tiêu", Compatible),
        ("đạt 98%", "521/531 chỉ tiêu", Compatible),
        ("đạt 90%", "521/531 chỉ tiêu", Mismatch),
        ("tất cả 14 huyện", "14/14 huyện", Match),
        ("tất cả 21 xã", "21/21 xã", Match),
        ("12/21 xã", "21/21 xã", Mismatch),
        ("tất cả 213 xã", "tất cả 312 xã", Mismatch),
        ("3-8 ngày", "3-7 ngày", Mismatch),
        ("3-8 ngày", "4-8 ngày", Mismatch),
        ("3-7 ngày", "3-7 ngày", Match),
        ("3-7 ngày", "từ 3 đến 7 ngày", Match),
        ("3-8 ngày", "từ 3 đến 7 ngày", Mismatch),
        ("all 14 districts", "21/21 huyện", Mismatch),
        ("3/11 xã", "3/11 xã", Match),
        ("3/11 xã", "3/16 xã", Mismatch),
        ("một nửa số xã", "50% số xã", Compatible),
        ("half of the communes", "50%", Compatible),
        ("17 xã", "17/17 xã", Compatible),
        ("16 xã", "17/17 xã", Mismatch),
        ("all 14 districts", "14/14 huyện", Match),
        ("50%", "1/2", Compatible),
        // Levels and changes.
        (
            "giảm 28 đầu mối",
            "giảm từ 56 đầu mối xuống còn 28 đầu mối",
            Match,
        ),
        (
            "giảm 20 đầu mối",
            "giảm từ 56 đầu mối xuống còn 28 đầu mối",
            Mismatch,
        ),
        (
            "giảm một nửa",
            "giảm từ 56 đầu mối xuống còn 28 đầu mối",
            Compatible,
        ),
        ("tăng gấp đôi", "tăng từ 10 lên 20 người", Compatible),
        ("tăng gấp ba", "tăng từ 10 lên 20 người", Mismatch),
        ("gấp 4 lần", "gấp 4 lần", Match),
        ("gấp 3 lần", "gấp 4 lần", Mismatch),
        ("doubled", "gấp đôi", Match),
        // Direction.
        ("tăng 51 cán bộ", "giảm 51 cán bộ", Mismatch),
        ("giảm 51 cán bộ", "giảm 51 cán bộ", Match),
        ("rose 5%", "giảm 5%", Mismatch),
        ("tăng 2 thôn", "giảm 2 thôn", Mismatch),
        ("cut 22 posts", "giảm 22 biên chế", Match),
        // Dates, years, ranks, identifiers.
        ("ngày 6/12", "ngày 6/12", Match),
        ("ngày 16/12", "ngày 6/12", Mismatch),
        ("ngày 6/12/2019", "ngày 6/12", Compatible),
        ("ngày 28/12/2016", "ngày 28/12/2016", Match),
        ("ngày 28/12/2017", "ngày 28/12/2016", Mismatch),
        ("ngày 28/12", "ngày 28/12/2016", Compatible),
        ("ngày 28/12/2016", "tháng 12/2016", Incomparable),
        ("tháng 12/2019", "tháng 12/2019", Match),
        ("December 2019", "tháng 12/2019", Match),
        ("March 3, 2015", "ngày 3/3/2015", Match),
        ("năm 2016", "năm 2016", Match),
        ("năm 2016", "năm 2017", Mismatch),
        ("năm 2021", "nhiệm kỳ 2020-2022", Compatible),
        ("năm 2016", "ngày 28/12/2016", Compatible),
        ("năm 2015", "ngày 28/12/2016", Mismatch),
        ("khóa 13", "khóa XIII", Match),
        ("khóa XIV", "khóa XIII", Mismatch),
        ("lần thứ 6", "lần thứ sáu", Match),
        ("the 13th congress", "khóa XIII", Match),
        ("Nghị quyết 19-NQ/TU", "Nghị quyết 19-NQ/TU", Match),
        ("Nghị quyết 19-nq/tu", "Nghị quyết 19-NQ/TU", Match),
        ("Nghị quyết 18-NQ/TU", "Nghị quyết 19-NQ/TU", Mismatch),
        (
            "Nghị định 108/2014/NĐ-CP",
            "Nghị định số 108/2014/ND-CP",
            Match,
        ),
        ("Nghị định 158", "Nghị định 158", Match),
        ("Nghị định 159", "Nghị định 158", Mismatch),
        ("Nghị định 158", "Nghị quyết 22", Incomparable),
        // Money and measures.
        ("370.000 USD", "$370,000", Match),
        ("5.000 tỷ đồng", "5 nghìn tỷ đồng", Match),
        ("5.000 tỷ đồng", "5.000 USD", Incomparable),
        ("1,2 km", "1.200 mét", Match),
        ("12,5 km", "12.5 km", Match),
        ("3 tấn", "3.000 kg", Match),
        ("50 ha", "0,5 km2", Match),
        ("3 km", "3 tấn", Incomparable),
        // Lengths of time.
        ("tạm giam 1 tháng", "tạm giam 1 năm", Mismatch),
        ("kéo dài 24 tháng", "kéo dài 2 năm", Match),
        ("trong 3 tuần", "trong 21 ngày", Match),
        ("2 năm tù", "2 năm tù", Match),
        ("lasted 6 months", "kéo dài 6 tháng", Match),
        ("kéo dài 1 năm", "kéo dài 1 học kỳ", Incomparable),
        ("mất 2 tháng", "có 2 xã", Incomparable),
        // Kinds that do not compare.
        ("đạt 90%", "90 người", Incomparable),
        ("năm 2015", "2015 người", Incomparable),
    ];
    let mut failures = Vec::new();
    for (claim_text, source_text, expected) in cases {
        let (claim, source) = (first(claim_text), first(source_text));
        let comparison = compare(&claim, &source);
        if comparison.outcome != *expected {
            failures.push(format!(
                "{claim_text:?} vs {source_text:?}: got {:?}, expected {expected:?} ({}; claim {}, source {})",
                comparison.outcome,
                comparison.explanation(&claim, &source),
                describe(&claim),
                describe(&source)
            ));
        }
        assert!(
            comparison
                .explanation(&claim, &source)
                .contains("claim says")
                && comparison
                    .explanation(&claim, &source)
                    .contains("source says")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn explanations_name_both_figures_as_written() {
    let claim = first("giảm 32 biên chế");
    let source = first("giảm 22 biên chế");
    assert_eq!(
        compare(&claim, &source).explanation(&claim, &source),
        "claim says 32 biên chế, source says 22 biên chế: different figures"
    );
}

/// Sentences of the shared corpus, read by path, with the figures a reader
/// finds in them.
#[test]
fn corpus_sentences_are_read_as_a_reader_would() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.exists() {
        // Straight to stderr: the harness keeps `println!` of a passing
        // test to itself, and a skip must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped corpus_sentences_are_read_as_a_reader_would: {} is absent",
            corpus.display()
        );
        return;
    }
    let read = |file: &str| std::fs::read_to_string(corpus.join(file)).expect("corpus file");
    let find = |text: &str, needle: &str| -> Vec<String> {
        let spans = crate::text::split_sentences(text);
        let span = spans
            .iter()
            .find(|s| text[s.start..s.end].contains(needle))
            .unwrap_or_else(|| panic!("no sentence with {needle:?}"));
        extracted(&text[span.start..span.end], Vi)
    };
    let hai_ha = read("000_0f3d646d88a2fc6b.txt");
    assert_eq!(
        find(&hai_ha, "1.654 cán bộ"),
        [
            "count 5 u=cơ quan dec",
            "count 5 u=trường học dec",
            "count 15 u=điểm trường dec",
            "count 22 u=biên chế công chức dec",
            "year 2015",
            "count 51 u=cán bộ dec",
            "count 1654 u=cán bộ không chuyên trách dec",
            "year 2015",
        ]
    );
    assert_eq!(find(&hai_ha, "91,6%"), ["pct 91.6"]);
    assert_eq!(find(&hai_ha, "trên 90%"), ["pct >90", "pct >92"]);
    assert_eq!(
        find(&hai_ha, "53/GP-TTĐT"),
        ["id 53/gp-ttdt", "date 2015-05-27"]
    );
    let quang_ninh = read("001_8285f82c8f7d5dff.txt");
    assert_eq!(
        find(&quang_ninh, "xuống còn 28"),
        [
            "count 1 u=năm",
            "count 56 u=đầu mối",
            "count 28 u=đầu mối",
            "count 28 u=đầu mối dec from=56 to=28",
            "count 4 u=cấp trưởng dec",
            "count 27 u=cấp phó dec",
        ]
    );
    assert_eq!(
        find(&quang_ninh, "ngày 6/12 và 7/12"),
        [
            "date 2019-12",
            "date --12-06",
            "date --12-07",
            "ord 13 u=khóa"
        ]
    );
    let mong_cai = read("002_a4731ee8503e2245.txt");
    assert_eq!(
        find(&mong_cai, "1.863"),
        [
            "id 25 u=Đề án",
            "count 103 u=cơ quan",
            "count 15 u=tổ chức hội",
            "count 1863",
            "count 2010",
            "count 147 u=hợp đồng lao động làm"
        ]
    );
    let binh_xuyen = read("003_25680701e83e809c.txt");
    assert_eq!(
        find(&binh_xuyen, "gần 560 hộ"),
        ["count ~560 u=hộ", "count >2000 u=nhân khẩu"]
    );
    assert_eq!(find(&binh_xuyen, "gấp 4 lần"), ["mult 4 u=lần inc"]);
    let dong_trieu = read("004_aff33ccd5c06c751.txt");
    assert_eq!(
        find(&dong_trieu, "521/531"),
        [
            "frac 21/21 u=xã",
            "count 6 u=phường",
            "count 15 u=xã",
            "frac 521/531 u=chỉ tiêu dec",
            "pct 98.12",
            "id 25 u=Đề án"
        ]
    );
    assert_eq!(
        find(&dong_trieu, "Năm 2017"),
        [
            "year 2017",
            "count 17 u=cán bộ",
            "id 158 u=Nghị định",
            "count 55 u=công chức xã"
        ]
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn group_thousands(integer: u64, separator: char) -> String {
        let digits = integer.to_string();
        let mut out = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(digit);
        }
        out
    }

    /// Writes a number the way a Vietnamese or an English writer would.
    fn written(
        integer: u64,
        decimals: Option<u32>,
        language: Language,
        grouped: bool,
    ) -> (String, f64) {
        let (group, decimal) = match language {
            Language::Vietnamese => ('.', ','),
            Language::English => (',', '.'),
        };
        let mut text = if grouped {
            group_thousands(integer, group)
        } else {
            integer.to_string()
        };
        let mut value = integer as f64;
        if let Some(fraction) = decimals {
            // Two decimal digits, never three, so the reading is unambiguous.
            text.push(decimal);
            text.push_str(&format!("{fraction:02}"));
            value += fraction as f64 / 100.0;
        }
        (text, value)
    }

    proptest! {
        #[test]
        fn numbers_round_trip_in_both_locales(
            integer in 0u64..10_000_000_000,
            decimals in proptest::option::of(0u32..100),
            vietnamese in any::<bool>(),
            grouped in any::<bool>(),
        ) {
            let language = if vietnamese { Language::Vietnamese } else { Language::English };
            let (text, value) = written(integer, decimals, language, grouped);
            let parsed = parse_digits(&text, language).expect("a written number parses");
            prop_assert!((parsed.value - value).abs() <= 1e-9 * value.max(1.0), "{} -> {}", text, parsed.value);
        }

        #[test]
        fn scale_words_multiply(mantissa in 1u64..1000, scale in 0usize..3, vietnamese in any::<bool>()) {
            let (words, factor) = if vietnamese {
                (["nghìn", "triệu", "tỷ"], [1e3, 1e6, 1e9])
            } else {
                (["thousand", "million", "billion"], [1e3, 1e6, 1e9])
            };
            let language = if vietnamese { Language::Vietnamese } else { Language::English };
            let text = format!("{mantissa} {} people", words[scale]);
            let quantities = extract_quantities(&text, language);
            prop_assert_eq!(quantities.len(), 1);
            prop_assert_eq!(quantities[0].value, mantissa as f64 * factor[scale]);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            for language in [Language::Vietnamese, Language::English] {
                for quantity in extract_quantities(&text, language) {
                    prop_assert!(quantity.start <= quantity.end && quantity.end <= text.len());
                    prop_assert!(text.is_char_boundary(quantity.start) && text.is_char_boundary(quantity.end));
                    prop_assert!(quantity.value.is_finite());
                    let _ = compare(&quantity, &quantity);
                }
            }
        }

        #[test]
        fn number_like_text_never_panics(text in "[0-9.,/%: -]{0,40}( ?(năm|tháng|ngày|khóa|lần thứ|từ|xuống còn|hơn|gấp|triệu|tỷ|%))*") {
            for language in [Language::Vietnamese, Language::English] {
                let quantities = extract_quantities(&text, language);
                for (claim, source) in quantities.iter().zip(quantities.iter().rev()) {
                    let _ = compare(claim, source);
                }
            }
        }
    }
}

/// A long run of change phrases (the shape of a crafted request): every
/// phrase gives its two levels and then the change (by 2), in text order, read in
/// one linear pass.
#[test]
fn many_change_phrases_are_each_read_in_place() {
    const PHRASES: usize = 20_000;
    let text = "từ 5 xuống còn 3 ".repeat(PHRASES);
    let quantities = extract_quantities(&text, Vi);
    assert_eq!(quantities.len(), 3 * PHRASES);
    for (phrase, triple) in quantities.chunks(3).enumerate() {
        let values: Vec<f64> = triple.iter().map(|q| q.value).collect();
        assert_eq!(values, [5.0, 3.0, 2.0], "phrase {phrase}");
        assert!(triple[2].change.is_some(), "phrase {phrase}: {triple:?}");
        let change = &triple[2];
        assert!(
            change.start < triple[0].start && change.end == triple[1].end,
            "phrase {phrase}: the change spans both levels: {triple:?}"
        );
    }
}
