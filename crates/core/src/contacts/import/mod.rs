//! CSV import: a preview of a file (encoding, delimiter, first rows, a column mapping) and the
//! import itself, all or nothing in one transaction.
//!
//! The mapping shown is the one saved at the last import of a file with the same header row, else
//! a guess from the header names; the admin's choice is saved for next time when an import
//! commits. An import never opts a contact back in: an opt-out column's "no" or an empty cell
//! leaves a contact as it was (opting in again is done by hand).

pub mod decode;
pub mod headers;
mod mapping;
mod run;

use std::sync::atomic::AtomicBool;

use rusqlite::OptionalExtension;

use super::{ColumnTarget, ImportOptions, ImportPreview, ImportProgress, ImportReport};
use crate::error::Result;
use crate::messaging::Change;
use crate::store::Store;

/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;
/// Rows between two progress reports (and cancel checks) of an import.
pub const PROGRESS_EVERY: u64 = 1_000;
/// Longest cell an import keeps, in characters.
pub const MAX_CELL_CHARS: usize = 1_024;

impl Store {
    /// What `bytes` would import as: encoding, delimiter, header, the first rows, the row count
    /// and a mapping (saved for this header row, else guessed). Reads nothing but the mapping
    /// table and writes nothing.
    pub fn import_preview(&self, bytes: &[u8]) -> Result<ImportPreview> {
        let decoded = decode::decode(bytes)?;
        let (table, total_rows) = decode::read(&decoded, Some(PREVIEW_ROWS))?;
        let width = table.headers.len();
        let rows =
            table.rows.iter().map(|r| (0..width).map(|i| r.cells.get(i).unwrap_or("").to_owned()).collect()).collect();
        let saved = self.saved_mapping(&table.headers)?;
        let mapping_saved = saved.is_some();
        Ok(ImportPreview {
            encoding: decoded.encoding.to_owned(),
            delimiter: decode::delimiter_name(decoded.delimiter),
            mapping: saved.unwrap_or_else(|| headers::guess(&table.headers)),
            headers: table.headers,
            rows,
            total_rows,
            mapping_saved,
        })
    }

    /// The mapping saved for this header row, if one is and it still fits.
    fn saved_mapping(&self, header_row: &[String]) -> Result<Option<Vec<ColumnTarget>>> {
        let json: Option<String> = self
            .conn()?
            .query_row(
                "SELECT mapping_json FROM contact_import_mappings WHERE header_signature = ?1",
                [headers::signature(header_row)],
                |r| r.get(0),
            )
            .optional()?;
        let mapping: Option<Vec<ColumnTarget>> = json.and_then(|j| serde_json::from_str(&j).ok());
        Ok(mapping.filter(|m| m.len() == header_row.len() && mapping::check(m, header_row).is_ok()))
    }

    /// Imports `bytes` with `options`, in one transaction: either every valid row is written and
    /// the mapping saved, or (on `cancel`, or an error) nothing is. Rows with an error are left
    /// out and listed in the report with their line. `progress` is called from this thread about
    /// every [`PROGRESS_EVERY`] rows; `cancel` is checked as often.
    ///
    /// A mapping without exactly one phone column, a bad tag or a bad country is an
    /// `Error::Field` before anything is read. The import holds the store's writer while it runs
    /// (a few seconds per 100,000 rows, see the `contacts_import` bench): other writes wait.
    pub fn import_contacts(
        &self,
        bytes: &[u8],
        options: &ImportOptions,
        progress: &dyn Fn(ImportProgress),
        cancel: &AtomicBool,
    ) -> Result<ImportReport> {
        let country = self.default_country(options.default_country.as_deref())?;
        let extra_tags = mapping::check_tags(&options.tags)?;
        let decoded = decode::decode(bytes)?;
        let (table, _) = decode::read(&decoded, None)?;
        let plan = mapping::Plan::new(&options.mapping, &table.headers, extra_tags, country)?;
        let report = {
            let mut conn = self.conn()?;
            run::import(&mut conn, &plan, &table, progress, cancel)?
        };
        if !report.cancelled {
            self.announce([Change::Contacts]);
        }
        Ok(report)
    }
}
