//! Contacts: CSV import, phone normalisation, tags, opt-out, and the audience of a bulk send.
//!
//! A contact is keyed by its number in international digits (no `+`), so one customer is one
//! contact whatever format a file wrote the number in. Numbers are normalised with a port of
//! libphonenumber; a number that is invalid or ambiguous is reported, never guessed. Every
//! committed write announces `Change::Contacts`.

pub mod audience;
mod crud;
mod export;
pub mod import;
pub mod opt_out;
pub mod phone;
pub mod rules;
pub mod settings;
mod tags;
mod types;

pub use audience::AudienceContact;
pub use crud::{DEFAULT_PAGE, MAX_PAGE};
pub use phone::Country;

pub use types::{
    Audience, ColumnTarget, ContactEdit, ContactPage, ContactQuery, ContactSettings, ContactView, FieldCondition,
    ImportOptions, ImportPreview, ImportProgress, ImportReport, OptOutSource, RowError, TagCount,
};
