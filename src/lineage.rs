//! Which organization or project an audit event describes *now*.
//!
//! Events record the row ids of their organization and project, which survive renames. But a
//! removed row's id is free again: SQLite hands the highest one out to the next insert, and
//! `proj restore` puts a removed row back under a fresh id when its old one is taken. So an id
//! is followed through the log: a removal that was restored continues under the id the restore
//! recorded; one that was not ends the trail (and is named, so a hint can offer to restore it);
//! an `add` of the same id after it is someone else.

use crate::error::Result;
use crate::store::{Db, EventRow, OrgRow, ProjectRow};
use std::collections::HashMap;

/// Organizations or projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Org,
    Project,
}

impl Kind {
    fn actions(self) -> [&'static str; 3] {
        match self {
            Kind::Org => ["org.add", "org.remove", "org.restore"],
            Kind::Project => ["project.add", "project.remove", "project.restore"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Add,
    Remove,
    Restore,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    id: i64,
    step: Step,
}

/// Where an id recorded by an event led.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trail {
    /// Still there, under this id (the same one, or the one a restore gave it).
    Here(i64),
    /// Removed by this event and not brought back.
    Removed(i64),
    /// Gone without a removal of its own (with its organization), or its id was taken over.
    Gone,
}

/// The add/remove/restore history of every organization and project id, read from the log.
#[derive(Debug, Default)]
pub struct Lineage {
    /// Per kind and id, its lifecycle events in order.
    steps: HashMap<(Kind, i64), Vec<Entry>>,
    /// A removal's id → the restore event that undid it, the id it used and its organization.
    restored: HashMap<i64, Restored>,
}

#[derive(Debug, Clone, Copy)]
struct Restored {
    event: i64,
    row: i64,
    org: Option<i64>,
}

impl Lineage {
    pub fn load(db: &Db) -> Result<Self> {
        Ok(Self::from_events(&db.lifecycle_events()?))
    }

    /// Builds the history from events, oldest first.
    pub fn from_events(events: &[EventRow]) -> Self {
        let mut out = Lineage::default();
        for e in events {
            for kind in [Kind::Org, Kind::Project] {
                let Some(step) = kind.actions().iter().position(|a| *a == e.action) else {
                    continue;
                };
                let row = match kind {
                    Kind::Org => e.org_id,
                    Kind::Project => e.project_id,
                };
                let Some(row) = row else { continue };
                let step = [Step::Add, Step::Remove, Step::Restore][step];
                out.steps
                    .entry((kind, row))
                    .or_default()
                    .push(Entry { id: e.id, step });
                if step == Step::Restore
                    && let Some(from) = e
                        .after
                        .as_ref()
                        .and_then(|a| a.get("restored_from"))
                        .and_then(|v| v.as_i64())
                {
                    out.restored.insert(
                        from,
                        Restored {
                            event: e.id,
                            row,
                            org: e.org_id,
                        },
                    );
                }
            }
        }
        out
    }

    /// Follows `row` from event `since` on. A project also ends with a removal of its
    /// organization (`org`): a restored organization's projects get fresh ids.
    fn trail(&self, kind: Kind, mut row: i64, mut org: Option<i64>, mut since: i64) -> Trail {
        'follow: loop {
            let steps = self.steps.get(&(kind, row)).map_or(&[][..], Vec::as_slice);
            let next = steps.iter().find(|s| s.id > since);
            if kind == Kind::Project
                && let Some(org) = org
                && let Some(gone) = self
                    .steps
                    .get(&(Kind::Org, org))
                    .into_iter()
                    .flatten()
                    .find(|s| s.id > since && s.step == Step::Remove)
                && next.is_none_or(|s| gone.id < s.id)
            {
                return Trail::Gone;
            }
            let Some(s) = next else {
                return Trail::Here(row);
            };
            match s.step {
                Step::Remove => match self.restored.get(&s.id) {
                    Some(r) => {
                        (row, org, since) = (r.row, r.org, r.event);
                        continue 'follow;
                    }
                    None => return Trail::Removed(s.id),
                },
                // While it is there nothing else can take its id: this is another row.
                Step::Add | Step::Restore => return Trail::Gone,
            }
        }
    }

    /// Where the organization `id`, as event `since` recorded it, is now.
    pub fn org_trail(&self, id: i64, since: i64) -> Trail {
        self.trail(Kind::Org, id, None, since)
    }

    /// Where the project `id` of organization `org`, as event `since` recorded them, is now.
    pub fn project_trail(&self, id: i64, org: Option<i64>, since: i64) -> Trail {
        self.trail(Kind::Project, id, org, since)
    }

    /// The organization event `e` is about, if it is still there.
    pub fn org(&self, db: &Db, e: &EventRow) -> Result<Option<OrgRow>> {
        let Some(id) = e.org_id else { return Ok(None) };
        match self.org_trail(id, e.id) {
            Trail::Here(id) => db.org_by_id(id),
            Trail::Removed(_) | Trail::Gone => Ok(None),
        }
    }

    /// The project event `e` is about, if it is still there in `org`.
    pub fn project(&self, db: &Db, org: &OrgRow, e: &EventRow) -> Result<Option<ProjectRow>> {
        let Some(id) = e.project_id else {
            return Ok(None);
        };
        Ok(match self.project_trail(id, e.org_id, e.id) {
            Trail::Here(id) => db.project_by_id(id)?.filter(|p| p.org_id == org.id),
            Trail::Removed(_) | Trail::Gone => None,
        })
    }
}
