use super::App;
use crate::access;
use crate::error::Result;
use crate::lineage::Lineage;
use crate::view::EventView;
use clap::Args;

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Show at most this many events
    #[arg(short = 'n', long, default_value_t = 20, value_name = "N")]
    pub limit: u32,
}

pub fn run(app: &mut App, args: LogArgs) -> Result<()> {
    // Only an explicit --org/--project (or PROJ_ORG/PROJ_PROJECT) narrows the log;
    // a link file or saved selection does not hide the rest of the history.
    let explicit_project =
        app.globals.project.is_some() || std::env::var_os("PROJ_PROJECT").is_some();
    let explicit_org = app.globals.org.is_some() || std::env::var_os("PROJ_ORG").is_some();
    let events = app.read(|db, actor, ctx| {
        let (org_id, project_id) = if explicit_project {
            let (o, p) = ctx.require_project(db, actor)?;
            (Some(o.id), Some(p.id))
        } else if explicit_org {
            (Some(ctx.require_org(db, actor)?.id), None)
        } else {
            (None, None)
        };
        // Events of projects the actor may not see are left out, like the projects, and
        // the parts of the others that lie in such projects.
        let lineage = Lineage::load(db)?;
        let mut sight = access::EventSight::new(db, actor, &lineage);
        let limit = args.limit as usize;
        // Read the log a page at a time, newest first, until enough events are visible: a
        // long history is neither read nor parsed past what is shown.
        let page = (limit as i64 * 2).clamp(32, 1000);
        let mut shown = Vec::new();
        let mut before = None;
        while shown.len() < limit {
            let batch = db.events(org_id, project_id, before, page)?;
            let Some(last) = batch.last() else { break };
            before = Some(last.id);
            for e in &batch {
                if shown.len() >= limit {
                    break;
                }
                if let Some(e) = sight.event_for(e)? {
                    shown.push(EventView::new(&e));
                }
            }
        }
        Ok(shown)
    })?;
    app.out.list(&events)
}
