//! One sender per campaign, across processes: an exclusive lock on a file beside the database.
//! The OS releases it when the process ends in any way (SIGKILL included), so whoever resumes
//! after a crash knows at once that nobody is sending, and never waits for a lease to run out.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Held while this process sends a campaign.
#[derive(Debug)]
pub(crate) struct CampaignLock {
    _file: File,
}

fn path(store_path: &Path, campaign_id: &str) -> PathBuf {
    let dir = store_path.parent().unwrap_or(Path::new(".")).join("outbox");
    dir.join(format!("{campaign_id}.lock"))
}

impl CampaignLock {
    /// Takes the lock of `campaign_id`, or says that another process holds it.
    pub(crate) fn acquire(store_path: &Path, campaign_id: &str) -> Result<CampaignLock> {
        let path = path(store_path, campaign_id);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(CampaignLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(Error::Busy(
                "this campaign is being sent by another Wadesk window or command; it goes on there".into(),
            )),
            Err(TryLockError::Error(e)) => Err(e.into()),
        }
    }

    /// Whether some process is sending `campaign_id` now.
    pub(crate) fn is_held(store_path: &Path, campaign_id: &str) -> bool {
        let Ok(file) = OpenOptions::new().write(true).open(path(store_path, campaign_id)) else { return false };
        matches!(file.try_lock(), Err(TryLockError::WouldBlock))
    }
}
