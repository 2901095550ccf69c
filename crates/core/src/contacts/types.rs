//! What the hosts see of contacts: the contact, the import's preview and report, the list query,
//! and the audience a bulk send goes to.
//!
//! These are the IPC and `--json` contract (generated into `ui/src/bindings/`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a contact came to be opted out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OptOutSource {
    /// An admin opted them out by hand.
    Manual,
    /// The import's opt-out column said so.
    Import,
    /// They replied with an opt-out keyword (STOP, BAJA, СТОП …).
    Reply,
}

/// One contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactView {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// International digits without `+` (e.g. `4915112345678`).
    pub phone: String,
    /// Full name.
    pub name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Custom fields by name (lower-case identifiers).
    pub fields: BTreeMap<String, String>,
    /// Sorted.
    pub tags: Vec<String>,
    /// When they opted out (ms); `None`: they did not.
    #[ts(type = "number | null")]
    pub opted_out_at: Option<i64>,
    /// How they opted out.
    pub opt_out_source: Option<OptOutSource>,
    /// Created (ms).
    #[ts(type = "number")]
    pub created_at: i64,
    /// Last changed (ms).
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// A change to one contact; `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
pub struct ContactEdit {
    /// A new number, normalised like an import's (a default country applies).
    #[ts(optional)]
    pub phone: Option<String>,
    /// `Some("")` clears it.
    #[ts(optional)]
    pub name: Option<String>,
    /// `Some("")` clears it.
    #[ts(optional)]
    pub first_name: Option<String>,
    /// Replaces every custom field; an empty value removes that field.
    #[ts(optional)]
    pub fields: Option<BTreeMap<String, String>>,
    /// Replaces every tag.
    #[ts(optional)]
    pub tags: Option<Vec<String>>,
    /// Opt out (`true`) or back in (`false`) by hand.
    #[ts(optional)]
    pub opted_out: Option<bool>,
}

/// Which contacts a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
pub struct ContactQuery {
    /// Matches phone digits, name, first name or any custom field value (case-insensitive).
    #[ts(optional)]
    pub search: Option<String>,
    /// Only contacts with every one of these tags.
    #[ts(optional)]
    pub tags: Option<Vec<String>>,
    /// Only opted-out (`true`) or only reachable (`false`) contacts.
    #[ts(optional)]
    pub opted_out: Option<bool>,
    /// Offset into the list.
    #[ts(optional, type = "number")]
    pub offset: Option<u32>,
    /// At most 500; default 200.
    #[ts(optional, type = "number")]
    pub limit: Option<u32>,
}

/// One page of contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContactPage {
    /// The page.
    pub contacts: Vec<ContactView>,
    /// How many match the query in all.
    #[ts(type = "number")]
    pub total: u64,
    /// Every tag in use, with how many contacts carry it (for filter chips).
    pub tags: Vec<TagCount>,
    /// Every custom field name in use, sorted.
    pub fields: Vec<String>,
}

/// A tag and how many contacts carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// Contacts with it.
    #[ts(type = "number")]
    pub count: u64,
}

/// Where one CSV column goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ColumnTarget {
    /// Not imported.
    Ignore,
    /// The phone number.
    Phone,
    /// Full name.
    Name,
    /// First name.
    FirstName,
    /// A custom field (a lower-case identifier: letters, digits, `_`).
    Field {
        /// The field's name.
        name: String,
    },
    /// Tags, separated by `,` `;` or `|` inside the cell.
    Tags,
    /// Opt-out: `yes`/`no`, `true`/`false`, `1`/`0`, `x`, `opted out`… (an empty cell is no).
    OptOut,
}

/// What an import file looks like, before anything is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreview {
    /// `utf-8`, `utf-8-bom` or `latin-1`.
    pub encoding: String,
    /// `,` `;` or a tab.
    pub delimiter: String,
    /// The header row.
    pub headers: Vec<String>,
    /// The first rows as read (at most 10), each as many cells as `headers`.
    pub rows: Vec<Vec<String>>,
    /// Data rows in the file (the header excluded).
    #[ts(type = "number")]
    pub total_rows: u64,
    /// One target per column: the mapping saved for this header row, else a guess from the names.
    pub mapping: Vec<ColumnTarget>,
    /// Whether `mapping` is the one saved at a previous import of the same columns.
    pub mapping_saved: bool,
}

/// How to import a file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct ImportOptions {
    /// One target per column, in order; exactly one must be `phone`.
    pub mapping: Vec<ColumnTarget>,
    /// Tags added to every imported contact.
    #[serde(default)]
    pub tags: Vec<String>,
    /// ISO 3166 country (e.g. `DE`) for numbers written without a country code; default: the
    /// setting.
    #[ts(optional)]
    pub default_country: Option<String>,
}

/// Progress of a running import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct ImportProgress {
    /// Rows read so far.
    #[ts(type = "number")]
    pub rows_done: u64,
    /// Data rows in the file.
    #[ts(type = "number")]
    pub total_rows: u64,
}

/// One row that was not imported, or a cell that was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RowError {
    /// The line in the file, counting the header as line 1.
    #[ts(type = "number")]
    pub line: u64,
    /// The column's header, when one cell is at fault.
    pub column: Option<String>,
    /// What is wrong, for a person (e.g. "\"0151 234\" is not a valid number for DE").
    pub message: String,
}

/// What an import did. A cancelled import changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportReport {
    /// Data rows read.
    #[ts(type = "number")]
    pub rows: u64,
    /// New contacts.
    #[ts(type = "number")]
    pub created: u64,
    /// Existing contacts (same number) that were updated.
    #[ts(type = "number")]
    pub updated: u64,
    /// Rows merged into an earlier row of the same file with the same number.
    #[ts(type = "number")]
    pub merged: u64,
    /// Rows not imported (see `errors`).
    #[ts(type = "number")]
    pub skipped: u64,
    /// Contacts the file opted out.
    #[ts(type = "number")]
    pub opted_out: u64,
    /// Every row or cell not imported, in file order.
    pub errors: Vec<RowError>,
    /// Stopped by the admin: nothing was changed.
    pub cancelled: bool,
}

/// Contact settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContactSettings {
    /// ISO 3166 country for numbers without a country code; `None`: such numbers are refused.
    pub default_country: Option<String>,
    /// Inbound replies that opt a contact out when they are exactly one of these (case- and
    /// space-insensitive).
    pub opt_out_keywords: Vec<String>,
}

/// A condition on one contact field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FieldCondition {
    /// `field=value` (case-insensitive).
    Equals {
        /// The field.
        field: String,
        /// The value.
        value: String,
    },
    /// `field!=value`.
    NotEquals {
        /// The field.
        field: String,
        /// The value.
        value: String,
    },
    /// `field?`: has a non-empty value.
    Present {
        /// The field.
        field: String,
    },
    /// `!field?`: has no value.
    Missing {
        /// The field.
        field: String,
    },
}

/// Who a bulk send goes to: every contact with all of `tags`, none of `without_tags`, and every
/// condition true. Empty: everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Audience {
    /// Tags a contact must all have.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tags a contact must not have.
    #[serde(default)]
    pub without_tags: Vec<String>,
    /// Field conditions, all true.
    #[serde(default)]
    pub conditions: Vec<FieldCondition>,
}
