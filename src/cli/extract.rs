//! `claimcheck extract "TEXT"`: the sentences and quantities of a text, read
//! locally, for debugging the quantity engine.

use std::process::ExitCode;

use crate::analysis::read_text;
use crate::cli::output::quantity_json;
use crate::config::ExtractArgs;
use crate::grpc::convert;
use crate::text::{detect_language, normalize_nfc, Language};

pub fn run(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let text = normalize_nfc(&args.text);
    let language = if args.language.is_empty() {
        detect_language(&text)
    } else {
        Language::from_code(&args.language)
            .ok_or_else(|| anyhow::anyhow!("--language must be vi or en"))?
    };
    let sentences = convert::read_sentences(&read_text(&text, language));
    if args.json {
        let value: Vec<serde_json::Value> = sentences
            .iter()
            .map(|s| serde_json::json!({"index": s.index, "text": s.text, "quantities": s.quantities.iter().map(quantity_json).collect::<Vec<_>>()}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"language": language.code(), "sentences": value})
            )?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!("language: {}", language.code());
    for sentence in &sentences {
        println!("[{}] {}", sentence.index, sentence.text);
        for quantity in &sentence.quantities {
            let json = quantity_json(quantity);
            let mut line = format!(
                "    {:<24} {:<26} value={}",
                format!("{:?}", quantity.text),
                json["kind"].as_str().unwrap_or(""),
                quantity.value
            );
            if quantity.total != 0.0 {
                line.push_str(&format!(" total={}", quantity.total));
            }
            for field in ["unit", "date", "identifier"] {
                if let Some(value) = json[field].as_str().filter(|v| !v.is_empty()) {
                    line.push_str(&format!(" {field}={value:?}"));
                }
            }
            for field in ["qualifier", "direction"] {
                let value = json[field].as_str().unwrap_or("");
                if !value.ends_with("EXACT") && !value.ends_with("_NONE") {
                    line.push_str(&format!(" {}", value));
                }
            }
            match (quantity.from_value, quantity.to_value) {
                (Some(from), Some(to)) => line.push_str(&format!(" from={from} to={to}")),
                // A range ("3-8 ngày", "từ 3 đến 7 ngày"): its last value.
                (None, Some(to)) => line.push_str(&format!(" up_to={to}")),
                _ => {}
            }
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
