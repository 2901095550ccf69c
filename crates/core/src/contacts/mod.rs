//! Contacts: CSV import, phone normalisation, tags, opt-out, and the audience of a bulk send.
//!
//! A contact is keyed by its number in international digits (no `+`), so one customer is one
//! contact whatever format a file wrote the number in. Numbers are normalised with a port of
//! libphonenumber; a number that is invalid or ambiguous is reported, never guessed.

pub mod audience;
pub mod phone;
pub mod rules;
mod types;

pub use audience::AudienceContact;

pub use types::{
    Audience, ColumnTarget, ContactEdit, ContactPage, ContactQuery, ContactSettings, ContactView, FieldCondition,
    ImportOptions, ImportPreview, ImportProgress, ImportReport, OptOutSource, RowError, TagCount,
};
