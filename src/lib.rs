//! claimcheck: checks factual claims, above all claims with figures, against
//! a store of source articles.
pub mod quantity;
pub mod text;
