//! Who holds what in one organization, read in a bounded number of queries whatever its size:
//! the grants, teams and environments the member and team views and `tree --access` show.
//! A server answers each query with a round trip, so a list reads the whole organization at
//! once (`grants_in_org`, `team_members_in_org`, `envs_in_org`) and assembles every row from
//! that, instead of asking per member, team or project; a view of one member or team reads
//! only that holder's grants. Each view is the one the per-row queries gave, in their order.

use super::grant::HeldGrant;
use crate::access::{self, Actor, Sight};
use crate::error::Result;
use crate::model::ProjectRole;
use crate::store::{Db, EnvRow, GrantRow, Holder, MemberRow, OrgRow, TeamRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub(super) struct Roster {
    /// The projects of the organization the actor can see.
    visible: Sight,
    /// Grants in the organization's projects: every one, or the one holder's (see the
    /// constructors).
    grants: Vec<GrantRow>,
    /// Each member's teams, as (slug, id), by slug.
    teams_of: HashMap<i64, Vec<(String, i64)>>,
    /// Each team's members' emails, alphabetical.
    members_of: HashMap<i64, Vec<String>>,
    /// Each project's environments (archived left out), in release-flow order.
    envs: HashMap<i64, Vec<EnvRow>>,
    has_teams: bool,
}

impl Roster {
    /// The whole organization, for `member list` and `team list`; with `access`, the
    /// environments a member's effective roles are read on too.
    pub(super) fn org(db: &Db, actor: &Actor, org: &OrgRow, access: bool) -> Result<Roster> {
        let teams = db.teams(org.id)?;
        let slugs: HashMap<i64, &str> = teams.iter().map(|t| (t.id, t.slug.as_str())).collect();
        let mut teams_of: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
        let mut members_of: HashMap<i64, Vec<String>> = HashMap::new();
        for (team_id, m) in db.team_members_in_org(org.id)? {
            if let Some(slug) = slugs.get(&team_id) {
                teams_of
                    .entry(m.member_id)
                    .or_default()
                    .push((slug.to_string(), team_id));
            }
            members_of.entry(team_id).or_default().push(m.email);
        }
        for t in teams_of.values_mut() {
            t.sort();
        }
        Ok(Roster {
            visible: Sight::of(db, actor, org)?,
            grants: db.grants_in_org(org.id)?,
            teams_of,
            members_of,
            envs: if access {
                envs_by_project(db.envs_in_org(org.id, false)?)
            } else {
                HashMap::new()
            },
            has_teams: !teams.is_empty(),
        })
    }

    /// One member: their own grants and their teams' (`member show`, and what a change to a
    /// member prints).
    pub(super) fn member(db: &Db, actor: &Actor, org: &OrgRow, m: &MemberRow) -> Result<Roster> {
        let visible = Sight::of(db, actor, org)?;
        let grants: Vec<GrantRow> = db
            .access_grants(m.id)?
            .into_iter()
            .filter(|g| g.org == org.slug)
            .collect();
        let teams: Vec<TeamRow> = db.member_teams(m.id)?;
        let envs = if grants.iter().any(|g| visible.sees_project(g.project_id)) {
            envs_by_project(db.envs_in_org(org.id, false)?)
        } else {
            HashMap::new()
        };
        let has_teams = !teams.is_empty() || db.has_teams(org.id)?;
        let mut mine: Vec<(String, i64)> = teams.into_iter().map(|t| (t.slug, t.id)).collect();
        mine.sort();
        Ok(Roster {
            visible,
            grants,
            teams_of: HashMap::from([(m.id, mine)]),
            members_of: HashMap::new(),
            envs,
            has_teams,
        })
    }

    /// One team: its grants and members (`team show`, and what a change to a team prints).
    pub(super) fn team(db: &Db, actor: &Actor, org: &OrgRow, t: &TeamRow) -> Result<Roster> {
        let members = db
            .team_members(t.id)?
            .into_iter()
            .map(|m| m.email)
            .collect();
        Ok(Roster {
            visible: Sight::of(db, actor, org)?,
            grants: db
                .holder_grants(Holder::Team(t.id))?
                .into_iter()
                .filter(|g| g.org == org.slug)
                .collect(),
            teams_of: HashMap::new(),
            members_of: HashMap::from([(t.id, members)]),
            envs: HashMap::new(),
            has_teams: true,
        })
    }

    pub(super) fn has_teams(&self) -> bool {
        self.has_teams
    }

    /// `holder`'s grants on the projects the actor can see, by project then environment
    /// (the project-wide grant first).
    pub(super) fn held(&self, holder: Holder) -> Vec<HeldGrant> {
        let mut mine: Vec<&GrantRow> = self
            .grants
            .iter()
            .filter(|g| g.holder == holder && self.visible.sees_project(g.project_id))
            .collect();
        mine.sort_by(|a, b| (&a.project, &a.environment).cmp(&(&b.project, &b.environment)));
        mine.into_iter()
            .map(|g| HeldGrant {
                project: g.project.clone(),
                environment: g.environment.clone(),
                role: g.role,
            })
            .collect()
    }

    /// The slugs of a member's teams, alphabetical.
    pub(super) fn teams_of(&self, member_id: i64) -> Vec<String> {
        self.teams_of
            .get(&member_id)
            .map(|t| t.iter().map(|(slug, _)| slug.clone()).collect())
            .unwrap_or_default()
    }

    /// The emails of a team's members, alphabetical.
    pub(super) fn members_of(&self, team_id: i64) -> Vec<String> {
        self.members_of.get(&team_id).cloned().unwrap_or_default()
    }

    /// The role a member's holders give on each environment of the projects the actor can
    /// see, with the holder it comes from: projects by slug, environments in release order.
    pub(super) fn effective(&self, member_id: i64) -> Vec<EffectiveRole> {
        let teams: Vec<i64> = self
            .teams_of
            .get(&member_id)
            .map(|t| t.iter().map(|(_, id)| *id).collect())
            .unwrap_or_default();
        let mut by_project: BTreeMap<&str, Vec<GrantRow>> = BTreeMap::new();
        for g in &self.grants {
            let theirs = match g.holder {
                Holder::Member(id) => id == member_id,
                Holder::Team(id) => teams.contains(&id),
            };
            if theirs {
                by_project.entry(&g.project).or_default().push(g.clone());
            }
        }
        let mut out = Vec::new();
        for (slug, mut grants) in by_project {
            // The member's own grants first, then each team's by slug (the holder named on
            // a tie is the first).
            grants.sort_by(|a, b| {
                (a.team.is_some(), &a.team, a.id).cmp(&(b.team.is_some(), &b.team, b.id))
            });
            let project_id = grants[0].project_id;
            if !self.visible.sees_project(project_id) {
                continue;
            }
            for e in self.envs.get(&project_id).into_iter().flatten() {
                let holders = access::holder_roles(&grants, Some(e.id));
                if let Some((role, winner)) = access::strongest(&holders) {
                    out.push(EffectiveRole {
                        project: slug.to_string(),
                        environment: e.slug.clone(),
                        role,
                        via: winner.via.id(),
                    });
                }
            }
        }
        out
    }
}

/// One environment's effective role inside a member view.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveRole {
    pub project: String,
    pub environment: String,
    pub role: ProjectRole,
    /// `member` (their own grant) or `team:SLUG`.
    pub via: String,
}

impl EffectiveRole {
    pub(super) fn label(&self) -> String {
        let via = match self.via.strip_prefix("team:") {
            Some(team) => format!("team {team}"),
            None => "own".to_string(),
        };
        format!(
            "{}/{}: {} ({via})",
            self.project, self.environment, self.role
        )
    }
}

fn envs_by_project(envs: Vec<EnvRow>) -> HashMap<i64, Vec<EnvRow>> {
    let mut out: HashMap<i64, Vec<EnvRow>> = HashMap::new();
    for e in envs {
        out.entry(e.project_id).or_default().push(e);
    }
    out
}
