//! Campaign rows: drafts, their exclusions, the saved mapping of each template, and the one
//! transaction that freezes a campaign's recipients when it starts.

use rusqlite::{params, OptionalExtension, Row};

use super::funnel::eta_seconds;
use super::{CampaignEdit, CampaignState, CampaignView, Funnel, VariableMapping};
use crate::contacts::Audience;
use crate::error::{Error, Result};
use crate::messaging::Change;
use crate::store::{now_ms, Store};

/// A recipient as frozen at start.
pub(crate) struct Frozen<'a> {
    pub contact_id: i64,
    pub phone: &'a str,
    pub name: Option<&'a str>,
    pub body: &'a str,
    pub payload: &'a str,
}

/// The fields of a new draft, validated.
pub(crate) struct Draft<'a> {
    pub account_id: &'a str,
    pub name: &'a str,
    pub template_id: &'a str,
    pub audience: &'a Audience,
    pub mapping: &'a [VariableMapping],
    pub rate_per_second: f64,
    pub scheduled_at: Option<i64>,
}

const COLUMNS: &str = "id, account_id, name, template_id, audience_json, mapping_json, rate_per_second, scheduled_at,
                       state, created_at, started_at, finished_at, waiting, rate_limited";

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("campaign JSON: {e}")))
}

fn parse_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::StoreCorrupt(format!("campaign {what}: {e}")))
}

/// A campaign row before its funnel is attached.
struct CampaignRow {
    view: CampaignView,
    audience_json: String,
    mapping_json: String,
    state: String,
}

fn row(r: &Row<'_>) -> rusqlite::Result<CampaignRow> {
    Ok(CampaignRow {
        view: CampaignView {
            id: r.get(0)?,
            account_id: r.get(1)?,
            name: r.get(2)?,
            template_id: r.get(3)?,
            audience: Audience::default(),
            mapping: Vec::new(),
            rate_per_second: r.get(6)?,
            scheduled_at: r.get(7)?,
            state: CampaignState::Draft,
            created_at: r.get(9)?,
            started_at: r.get(10)?,
            finished_at: r.get(11)?,
            funnel: Funnel::default(),
            eta_seconds: None,
            waiting: r.get(12)?,
            rate_limited: r.get::<_, i64>(13)? as u64,
        },
        audience_json: r.get(4)?,
        mapping_json: r.get(5)?,
        state: r.get(8)?,
    })
}

impl CampaignRow {
    fn finish(self, store: &Store) -> Result<CampaignView> {
        let mut v = self.view;
        v.audience = parse_json(&self.audience_json, "audience")?;
        v.mapping = parse_json(&self.mapping_json, "mapping")?;
        v.state = CampaignState::parse(&self.state)
            .ok_or_else(|| Error::StoreCorrupt(format!("campaign {}: state {:?}", v.id, self.state)))?;
        v.funnel = store.funnel(&v.id)?;
        v.eta_seconds = eta_seconds(v.state, &v.funnel, v.rate_per_second);
        Ok(v)
    }
}

impl Store {
    /// Writes a new draft and returns its id.
    pub(crate) fn insert_campaign(&self, d: &Draft<'_>) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        self.conn()?.execute(
            "INSERT INTO campaigns (id, account_id, name, template_id, audience_json, mapping_json, rate_per_second,
                                    scheduled_at, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'draft', ?9, ?9)",
            params![
                id,
                d.account_id,
                d.name,
                d.template_id,
                json(d.audience)?,
                json(&d.mapping)?,
                d.rate_per_second,
                d.scheduled_at,
                now
            ],
        )?;
        self.save_template_mapping(d.account_id, d.template_id, d.mapping)?;
        self.announce([Change::Campaign { campaign_id: id.clone() }]);
        Ok(id)
    }

    /// A campaign and where it stands.
    pub fn campaign(&self, id: &str) -> Result<CampaignView> {
        let row = self
            .conn()?
            .query_row(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = ?1"), [id], row)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("campaign {id}")))?;
        row.finish(self)
    }

    /// Campaigns, newest first (of one account, or all).
    pub fn campaigns(&self, account_id: Option<&str>) -> Result<Vec<CampaignView>> {
        let rows: Vec<CampaignRow> = {
            let conn = self.conn()?;
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM campaigns WHERE ?1 IS NULL OR account_id = ?1 ORDER BY created_at DESC, id"
            ))?;
            let rows = stmt.query_map([account_id], row)?.collect::<rusqlite::Result<_>>()?;
            rows
        };
        rows.into_iter().map(|r| r.finish(self)).collect()
    }

    /// The ids of the campaigns in one of `states` (no funnel: the app asks every few seconds).
    pub(crate) fn campaign_ids_in(&self, states: &[CampaignState]) -> Result<Vec<String>> {
        let list = serde_json::to_string(&states.iter().map(|s| s.as_str()).collect::<Vec<_>>())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM campaigns WHERE state IN (SELECT value FROM json_each(?1)) ORDER BY created_at",
        )?;
        let ids = stmt.query_map([list], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Where campaign `id` stands (one cheap read; the sender asks it often).
    pub(crate) fn campaign_state(&self, id: &str) -> Result<CampaignState> {
        let s: String = self
            .conn()?
            .query_row("SELECT state FROM campaigns WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("campaign {id}")))?;
        CampaignState::parse(&s).ok_or_else(|| Error::StoreCorrupt(format!("campaign {id}: state {s:?}")))
    }

    /// Moves campaign `id` to `to` if it is in one of `from`; returns whether it moved.
    pub(crate) fn move_campaign(&self, id: &str, from: &[CampaignState], to: CampaignState) -> Result<bool> {
        let now = now_ms();
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let current: Option<String> =
            tx.query_row("SELECT state FROM campaigns WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let current = current.ok_or_else(|| Error::NotFound(format!("campaign {id}")))?;
        if !from.iter().any(|s| s.as_str() == current) {
            return Ok(false);
        }
        let finished = matches!(to, CampaignState::Done | CampaignState::Cancelled);
        tx.execute(
            "UPDATE campaigns SET state = ?2, updated_at = ?3,
                    started_at = CASE WHEN ?2 = 'running' THEN coalesce(started_at, ?3) ELSE started_at END,
                    finished_at = CASE WHEN ?4 THEN ?3 ELSE NULL END
             WHERE id = ?1",
            params![id, to.as_str(), now, finished],
        )?;
        if to == CampaignState::Cancelled {
            tx.execute(
                "UPDATE campaign_recipients SET state = 'cancelled', updated_at = ?2
                 WHERE campaign_id = ?1 AND state = 'queued'",
                params![id, now],
            )?;
        }
        tx.commit()?;
        drop(conn);
        self.announce([Change::Campaign { campaign_id: id.to_owned() }]);
        Ok(true)
    }

    /// Applies `edit` to draft `id` (a started campaign is frozen).
    pub(crate) fn edit_campaign(&self, id: &str, edit: &CampaignEdit) -> Result<()> {
        let current = self.campaign(id)?;
        if current.state != CampaignState::Draft {
            return Err(Error::InvalidInput(format!(
                "campaign {id} is {}: only a draft can be changed",
                current.state.as_str()
            )));
        }
        let now = now_ms();
        let conn = self.conn()?;
        if let Some(name) = &edit.name {
            conn.execute("UPDATE campaigns SET name = ?2, updated_at = ?3 WHERE id = ?1", params![id, name, now])?;
        }
        if let Some(a) = &edit.audience {
            conn.execute(
                "UPDATE campaigns SET audience_json = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, json(a)?, now],
            )?;
        }
        if let Some(m) = &edit.mapping {
            conn.execute(
                "UPDATE campaigns SET mapping_json = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, json(m)?, now],
            )?;
        }
        if let Some(r) = edit.rate_per_second {
            conn.execute(
                "UPDATE campaigns SET rate_per_second = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, r, now],
            )?;
        }
        if let Some(at) = edit.scheduled_at {
            conn.execute(
                "UPDATE campaigns SET scheduled_at = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, at, now],
            )?;
        }
        drop(conn);
        if let Some(m) = &edit.mapping {
            self.save_template_mapping(&current.account_id, &current.template_id, m)?;
        }
        self.announce([Change::Campaign { campaign_id: id.to_owned() }]);
        Ok(())
    }

    /// Excludes (or includes again) contacts from draft `id`.
    pub(crate) fn exclude_contacts(&self, id: &str, contact_ids: &[i64], excluded: bool) -> Result<()> {
        if self.campaign_state(id)? != CampaignState::Draft {
            return Err(Error::InvalidInput(format!("campaign {id} has started: its recipients are fixed")));
        }
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        for c in contact_ids {
            if excluded {
                tx.execute(
                    "INSERT OR IGNORE INTO campaign_exclusions (campaign_id, contact_id) VALUES (?1, ?2)",
                    params![id, c],
                )?;
            } else {
                tx.execute(
                    "DELETE FROM campaign_exclusions WHERE campaign_id = ?1 AND contact_id = ?2",
                    params![id, c],
                )?;
            }
        }
        tx.commit()?;
        drop(conn);
        self.announce([Change::Campaign { campaign_id: id.to_owned() }]);
        Ok(())
    }

    /// The contacts excluded from campaign `id`.
    pub(crate) fn exclusions(&self, id: &str) -> Result<std::collections::HashSet<i64>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT contact_id FROM campaign_exclusions WHERE campaign_id = ?1")?;
        let set = stmt.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(set)
    }

    /// The mapping last used for a template (empty when none was saved).
    pub fn template_mapping(&self, account_id: &str, template_id: &str) -> Result<Vec<VariableMapping>> {
        let saved: Option<String> = self
            .conn()?
            .query_row(
                "SELECT mapping_json FROM template_mappings WHERE account_id = ?1 AND template_id = ?2",
                [account_id, template_id],
                |r| r.get(0),
            )
            .optional()?;
        saved.map_or(Ok(Vec::new()), |s| parse_json(&s, "saved mapping"))
    }

    fn save_template_mapping(&self, account_id: &str, template_id: &str, mapping: &[VariableMapping]) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO template_mappings (account_id, template_id, mapping_json, saved_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account_id, template_id) DO UPDATE SET mapping_json = excluded.mapping_json,
                                                                 saved_at = excluded.saved_at",
            params![account_id, template_id, json(&mapping)?, now_ms()],
        )?;
        Ok(())
    }

    /// Freezes draft `id`: every recipient's rendered message with its idempotency key, the
    /// template as it is now, and the new state (`running`, or `scheduled`), in one transaction.
    pub(crate) fn freeze_campaign(
        &self,
        id: &str,
        recipients: &[Frozen<'_>],
        template: (&str, &str),
        to: CampaignState,
    ) -> Result<()> {
        let now = now_ms();
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let state: Option<String> =
            tx.query_row("SELECT state FROM campaigns WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        if state.as_deref() != Some("draft") {
            return Err(Error::InvalidInput(format!("campaign {id} has already been started")));
        }
        {
            let mut insert = tx.prepare(
                "INSERT INTO campaign_recipients (campaign_id, position, contact_id, phone, name, body, payload,
                                                  idempotency_key, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', ?9)",
            )?;
            for (position, r) in recipients.iter().enumerate() {
                insert.execute(params![
                    id,
                    position as i64,
                    r.contact_id,
                    r.phone,
                    r.name,
                    r.body,
                    r.payload,
                    format!("{id}:{position}:1"),
                    now
                ])?;
            }
        }
        tx.execute(
            "UPDATE campaigns SET state = ?2, template_raw = ?3, template_category = ?4, updated_at = ?5,
                    started_at = CASE WHEN ?2 = 'running' THEN ?5 ELSE NULL END
             WHERE id = ?1",
            params![id, to.as_str(), template.0, template.1, now],
        )?;
        tx.commit()?;
        drop(conn);
        self.announce([Change::Campaign { campaign_id: id.to_owned() }]);
        Ok(())
    }
}
