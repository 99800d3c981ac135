//! The headless preview on stderr, the screen the operator confirms from: totals, the cost in
//! access, then the first items' before → after. Every server string goes through
//! `untrusted`, so a name cannot move the cursor or hide what the preview says.

use std::io::Write;

use crate::plan::{Outcome, Plan, access_loss, describe};
use crate::untrusted;

const PREVIEW_ITEMS: usize = 20;
/// Names in a preview line are cut to this many columns (the saved plan has them whole).
const NAME_COLS: usize = 100;

/// The warning about model roles and selective access, if the plan removes any access.
pub fn cost_statement(plan: &Plan) -> Option<String> {
    access_loss(&plan.items).statement()
}

/// Prints totals, the cost and the first items' before → after.
pub fn print_preview(plan: &Plan, err: &mut impl Write) -> std::io::Result<()> {
    print_preview_noting(plan, err, |_| None)
}

/// [`print_preview`] with a line of its own under each shown user that `note` has one for
/// (e.g. the last login a sweep selected the user by).
pub fn print_preview_noting(
    plan: &Plan,
    err: &mut impl Write,
    note: impl Fn(&crate::plan::PlanItem) -> Option<String>,
) -> std::io::Result<()> {
    let t = plan.totals();
    writeln!(
        err,
        "Plan for tenant {}: {}",
        untrusted::line(&plan.tenant),
        plan.action.label()
    )?;
    writeln!(
        err,
        "  to change {}   no-op {}   protected {}   not found {}   requests {}",
        t.to_change, t.no_op, t.protected, t.not_found, t.requests
    )?;
    if let Some(cost) = cost_statement(plan) {
        writeln!(err, "  {cost}")?;
    }
    let mut shown = 0;
    for item in plan.items.iter() {
        if shown == PREVIEW_ITEMS {
            break;
        }
        let name = untrusted::clip(&item.user_name, NAME_COLS);
        match &item.outcome {
            Outcome::Change => {
                writeln!(
                    err,
                    "  {name} ({})",
                    untrusted::clip(&item.display_name, NAME_COLS)
                )?;
                if let Some(n) = note(item) {
                    writeln!(err, "      {}", untrusted::clip(&n, 2 * NAME_COLS))?;
                }
                for line in describe(item) {
                    writeln!(err, "      {}", untrusted::clip(&line, 2 * NAME_COLS))?;
                }
            }
            Outcome::Protected { reason } => writeln!(
                err,
                "  {name} PROTECTED: {}",
                untrusted::clip(reason, 2 * NAME_COLS)
            )?,
            Outcome::NotFound => writeln!(
                err,
                "  {} NOT FOUND",
                untrusted::clip(&item.display_name, NAME_COLS)
            )?,
            Outcome::NoOp => continue,
        }
        shown += 1;
    }
    let rest = t.to_change + t.protected + t.not_found;
    if rest > shown {
        writeln!(
            err,
            "  ... and {} more (save the whole plan with --save-plan)",
            rest - shown
        )?;
    }
    Ok(())
}
