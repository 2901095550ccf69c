//! TEMPORARY stub (replaced by the contacts branch): which contacts an audience selects.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use super::Audience;
use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct AudienceContact {
    pub id: i64,
    pub phone: String,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub fields: BTreeMap<String, String>,
    pub opted_out: bool,
}

impl AudienceContact {
    pub fn field(&self, name: &str) -> Option<&str> {
        let v = match name {
            "phone" => Some(self.phone.as_str()),
            "name" => self.name.as_deref(),
            "first_name" => self.first_name.as_deref(),
            other => self.fields.get(other).map(String::as_str),
        };
        v.filter(|v| !v.trim().is_empty())
    }
}

impl Store {
    pub fn audience_contacts(&self, _audience: &Audience) -> Result<Vec<AudienceContact>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT id, phone, name, first_name, fields_json, opted_out_at FROM contacts ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                let fields: String = r.get(4)?;
                Ok(AudienceContact {
                    id: r.get(0)?,
                    phone: r.get(1)?,
                    name: r.get(2)?,
                    first_name: r.get(3)?,
                    fields: serde_json::from_str(&fields).unwrap_or_default(),
                    opted_out: r.get::<_, Option<i64>>(5)?.is_some(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn audience_count(&self, audience: &Audience) -> Result<u64> {
        Ok(self.audience_contacts(audience)?.len() as u64)
    }

    pub fn audience_contacts_by_id(&self, ids: &[i64]) -> Result<Vec<AudienceContact>> {
        Ok(self.audience_contacts(&Audience::default())?.into_iter().filter(|c| ids.contains(&c.id)).collect())
    }
}

impl Audience {
    pub fn parse(_expr: &str) -> Result<Audience> {
        Ok(Audience::default())
    }
    pub fn to_expr(&self) -> String {
        String::new()
    }
}
