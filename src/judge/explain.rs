//! The readable explanation of a verdict: which sentence it rests on, and
//! which part of the claim the source states, contradicts or never states.
//! Pure.

use super::account::{Accounting, Change};
use super::decide::about_another_subject;
use super::figures::Judgement;
use crate::model::{PartStatus, Verdict};
use crate::quantity::Quantity;

/// Where the evidence is: document, title, sentence numbers and text.
fn quote(accounting: &Accounting) -> String {
    let window = &accounting.window;
    let document = &window.document.record;
    let sentences: Vec<&str> = (0..window.len)
        .map(|offset| {
            window.document.sentences[window.position(offset)]
                .record
                .text
                .as_str()
        })
        .collect();
    let first = window.document.sentences[window.first].record.index;
    let place = if window.len == 1 {
        format!("sentence {first}")
    } else {
        format!("sentences {first}-{}", first + window.len as u32 - 1)
    };
    format!(
        "{} (\"{}\"), {place}: \"{}\"",
        document.document_id,
        document.title,
        sentences.join(" ")
    )
}

fn change_text(change: &Change) -> String {
    match change {
        Change::Figure { claim, source } => {
            format!("the claim says \"{claim}\", the source says \"{source}\"")
        }
        Change::Opposite { claim, source } => {
            format!("the claim says \"{claim}\", the source says \"{source}\"")
        }
        Change::Name { claim, source } => {
            format!("the claim names \"{claim}\" where the source names \"{source}\"")
        }
        Change::Scale { claim, source } => {
            format!("the claim says \"{claim}\", the source says \"{source}\"")
        }
        Change::NegationAdded { claim } => {
            format!("the claim negates it (\"{claim}\"), the source does not")
        }
        Change::NegationRemoved { source } => {
            format!("the source negates it (\"{source}\"), the claim does not")
        }
        Change::SwappedName { claim, source } => {
            format!("the claim names \"{claim}\" where the source names \"{source}\" (and \"{claim}\" in another place)")
        }
        Change::Person { claim, source } => {
            format!(
                "the claim names \"{claim}\", the source names \"{source}\" and never \"{claim}\""
            )
        }
    }
}

/// The figure engine's disagreement, told.
fn figure_disagreement(figures: &Judgement) -> Option<String> {
    let position = figures.disagreement()?;
    let check = &figures.checks[position];
    let source = check
        .source_quantity
        .as_ref()
        .map(Quantity::display)
        .unwrap_or_default();
    Some(format!(
        "the claim's {} disagrees with the source ({}); the source gives {}",
        check.claim_quantity.display(),
        check.explanation,
        source
    ))
}

/// The longest part of the claim the source does not state.
fn missing_part<'a>(accounting: &'a Accounting) -> Option<&'a str> {
    accounting
        .parts
        .iter()
        .filter(|part| part.status == PartStatus::NotFound)
        .max_by_key(|part| part.text.len())
        .map(|part| part.text.as_str())
}

pub fn explanation(verdict: Verdict, accounting: &Accounting, figures: &Judgement) -> String {
    let evidence = quote(accounting);
    let figure_notes: Vec<&str> = figures
        .checks
        .iter()
        .map(|c| c.explanation.as_str())
        .collect();
    match verdict {
        Verdict::Supported => {
            let figures = if figure_notes.is_empty() {
                String::new()
            } else {
                format!(" Figures: {}.", figure_notes.join("; "))
            };
            match missing_part(accounting) {
                None => format!("Supported by {evidence}. It states every part of the claim.{figures}"),
                Some(part) => format!(
                    "Supported by {evidence}. It states most of the claim; it does not plainly say \"{part}\".{figures}"
                ),
            }
        }
        Verdict::Refuted => {
            let reason = accounting
                .changes
                .first()
                .map(change_text)
                .or_else(|| figure_disagreement(figures))
                .or_else(|| {
                    missing_part(accounting).map(|part| {
                        format!(
                            "it speaks of the same thing but does not say \"{part}\", \
                             read as a changed fact rather than an added one"
                        )
                    })
                })
                .unwrap_or_else(|| "it speaks of the same thing and says otherwise".to_string());
            format!("Refuted by {evidence}. {}.", capitalise(&reason))
        }
        Verdict::NotEnoughInfo if about_another_subject(&accounting.features) => format!(
            "Not enough information: the closest evidence, {evidence}, gives figures about another subject; it never mentions \"{}\".",
            accounting.absent_names.join("\", \"")
        ),
        Verdict::NotEnoughInfo => match missing_part(accounting) {
            Some(part) => format!(
                "Not enough information: the closest evidence, {evidence}, does not say \"{part}\"."
            ),
            None => format!(
                "Not enough information: the closest evidence, {evidence}, does not plainly state the claim."
            ),
        },
    }
}

fn capitalise(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
