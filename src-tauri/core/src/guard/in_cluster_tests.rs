use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, CronJobStatus};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::Map;
use time::macros::datetime;

use super::*;

fn at(moment: OffsetDateTime) -> Time {
    Time(Timestamp::from_second(moment.unix_timestamp()).unwrap())
}

/// The installed CronJob (hourly at minute 7, created at 12:00), as the server keeps it.
fn job() -> CronJob {
    job_made(datetime!(2026-12-07 12:00 UTC))
}

/// The same, created at `made`.
fn job_made(made: OffsetDateTime) -> CronJob {
    let mut job = CronJob {
        spec: Some(CronJobSpec {
            schedule: "7 * * * *".into(),
            ..CronJobSpec::default()
        }),
        ..CronJob::default()
    };
    job.metadata.creation_timestamp = Some(at(made));
    job
}

fn ran(mut job: CronJob, started: OffsetDateTime, succeeded: Option<OffsetDateTime>) -> CronJob {
    job.status = Some(CronJobStatus {
        last_schedule_time: Some(at(started)),
        last_successful_time: succeeded.map(at),
        ..CronJobStatus::default()
    });
    job
}

fn check(moment: OffsetDateTime, did: &str) -> Option<LastCheck> {
    Some(LastCheck {
        at: rfc3339(moment),
        did: did.into(),
        code: "within_budget".into(),
        params: Map::new(),
    })
}

#[test]
fn a_guard_that_checked_on_schedule_is_working_and_says_when_it_runs_next() {
    let job = ran(
        job(),
        datetime!(2026-12-07 14:07 UTC),
        Some(datetime!(2026-12-07 14:07:03 UTC)),
    );
    let seen = judge(
        &job,
        Ok(check(datetime!(2026-12-07 14:07:02 UTC), "nothing")),
        datetime!(2026-12-07 14:30 UTC),
    );
    assert_eq!(seen.health, Health::Working);
    assert_eq!(seen.next.as_deref(), Some("2026-12-07T15:07:00Z"));
    assert_eq!(seen.last_run.as_deref(), Some("2026-12-07T14:07:00Z"));
    assert!(seen.health.working());
}

#[test]
fn a_new_guard_is_waiting_for_its_first_run_until_that_run_is_late() {
    let waiting = judge(&job(), Ok(None), datetime!(2026-12-07 12:05 UTC));
    assert_eq!(waiting.health, Health::FirstRunDue);
    assert!(waiting.health.working());
    let late = judge(&job(), Ok(None), datetime!(2026-12-07 12:30 UTC));
    assert_eq!(late.health, Health::Late, "due 12:07, nothing by 12:23");
    assert!(!late.health.working());
}

#[test]
fn a_guard_with_no_check_for_hours_is_late() {
    let seen = judge(
        &job_made(datetime!(2026-12-07 09:00 UTC)),
        Ok(check(datetime!(2026-12-07 11:07 UTC), "nothing")),
        datetime!(2026-12-07 14:30 UTC),
    );
    assert_eq!(seen.health, Health::Late);
    // Still within the grace of the run due at 12:07: not late yet.
    let seen = judge(
        &job_made(datetime!(2026-12-07 09:00 UTC)),
        Ok(check(datetime!(2026-12-07 11:07 UTC), "nothing")),
        datetime!(2026-12-07 12:20 UTC),
    );
    assert_eq!(seen.health, Health::Working);
}

#[test]
fn a_run_that_could_not_judge_says_so_before_its_failed_job() {
    let job = ran(
        job(),
        datetime!(2026-12-07 14:07 UTC),
        Some(datetime!(2026-12-07 13:07 UTC)),
    );
    let seen = judge(
        &job,
        Ok(check(datetime!(2026-12-07 14:07:02 UTC), "failed")),
        datetime!(2026-12-07 14:30 UTC),
    );
    assert_eq!(seen.health, Health::CouldNotJudge);
}

#[test]
fn a_job_that_failed_without_leaving_a_check_is_a_failed_run() {
    // The image was not pulled: the job started at 14:07, never succeeded, left no check.
    let failed = ran(
        job(),
        datetime!(2026-12-07 14:07 UTC),
        Some(datetime!(2026-12-07 13:07 UTC)),
    );
    let now = datetime!(2026-12-07 14:30 UTC);
    let last = check(datetime!(2026-12-07 13:07:02 UTC), "nothing");
    assert_eq!(
        judge(&failed, Ok(last.clone()), now).health,
        Health::RunFailed
    );
    // Within its deadline it is still running, not failed.
    let soon = datetime!(2026-12-07 14:10 UTC);
    assert_eq!(
        judge(&failed, Ok(last.clone()), soon).health,
        Health::Working
    );
    // A job still active is not a failed run; this long after its run was due, it is stuck.
    let mut active = failed;
    if let Some(status) = active.status.as_mut() {
        status.active = Some(vec![ObjectReference::default()]);
    }
    assert_eq!(judge(&active, Ok(last.clone()), now).health, Health::Late);
    assert_eq!(judge(&active, Ok(last), soon).health, Health::Working);
}

#[test]
fn a_run_that_left_its_check_and_then_failed_is_late_once_no_run_follows() {
    // 14:07 wrote its check, then exited non-zero (a notice it could not keep).
    let job = ran(
        job(),
        datetime!(2026-12-07 14:07 UTC),
        Some(datetime!(2026-12-07 13:07 UTC)),
    );
    let last = check(datetime!(2026-12-07 14:07:02 UTC), "nothing");
    let soon = datetime!(2026-12-07 14:30 UTC);
    assert_eq!(judge(&job, Ok(last.clone()), soon).health, Health::Working);
    // No run since: the 15:07 run is missing by 15:30.
    let later = datetime!(2026-12-07 15:30 UTC);
    assert_eq!(judge(&job, Ok(last), later).health, Health::Late);
}

#[test]
fn a_check_from_before_the_cronjob_was_made_says_nothing_of_it() {
    // Installed again at 12:00 over a record whose last check (a failure) is from 09:07.
    let old = check(datetime!(2026-12-07 09:07:02 UTC), "failed");
    let seen = judge(&job(), Ok(old.clone()), datetime!(2026-12-07 12:05 UTC));
    assert_eq!(seen.health, Health::FirstRunDue, "not late, not failing");
    assert_eq!(seen.last_check, old, "still shown");
    let seen = judge(&job(), Ok(old), datetime!(2026-12-07 12:30 UTC));
    assert_eq!(
        seen.health,
        Health::Late,
        "its first run, due 12:07, left nothing"
    );
}

#[test]
fn a_schedule_on_an_unknown_clock_is_judged_late_only_past_the_widest_offset() {
    let mut job = job();
    if let Some(spec) = job.spec.as_mut() {
        spec.time_zone = Some("Mars/Olympus_Mons".into());
    }
    // Not known here: no "next"; reckoned on UTC, late only past the widest offset.
    let seen = judge(&job, Ok(None), datetime!(2026-12-07 18:00 UTC));
    assert_eq!(seen.next, None);
    assert_eq!(seen.health, Health::FirstRunDue);
    let seen = judge(&job, Ok(None), datetime!(2026-12-08 03:00 UTC));
    assert_eq!(seen.health, Health::Late, "nothing for 15 hours");
    // A zone it knows (UTC by another name) is read on.
    if let Some(spec) = job.spec.as_mut() {
        spec.time_zone = Some("Etc/UTC".into());
    }
    let seen = judge(&job, Ok(None), datetime!(2026-12-07 12:05 UTC));
    assert_eq!(seen.next.as_deref(), Some("2026-12-07T12:07:00Z"));
}

#[test]
fn a_suspended_guard_has_no_next_run() {
    let mut job = job();
    if let Some(spec) = job.spec.as_mut() {
        spec.suspend = Some(true);
    }
    let seen = judge(&job, Ok(None), datetime!(2026-12-07 14:30 UTC));
    assert_eq!(seen.health, Health::Suspended);
    assert_eq!(seen.next, None);
}

#[test]
fn a_damaged_record_is_named_by_its_code() {
    let damaged = GuardError::RecordUnreadable("guard: expected value".into());
    let seen = judge(&job(), Err(&damaged), datetime!(2026-12-07 12:05 UTC));
    assert_eq!(seen.health, Health::RecordUnreadable);
    assert_eq!(
        seen.problem,
        Some(AppError::from(damaged).code),
        "the window words it from the code"
    );
}

#[test]
fn schedules_are_read_as_kubernetes_takes_them() {
    assert!(schedule("7 * * * *").is_some());
    assert!(schedule("*/15 8-18 * * MON-FRI").is_some());
    assert!(schedule("@hourly").is_some());
    assert!(schedule("0 7 * * * *").is_none(), "six fields: seconds");
    assert!(schedule("61 * * * *").is_none());
    assert!(schedule("hourly").is_none());
    assert!(schedule("").is_none());
}

#[test]
fn a_run_is_due_when_its_schedule_comes_round_as_the_controller_would_start_it() {
    // Made at 12:00, hourly at minute 7: not before 12:07, due from then.
    assert!(!run_due(&job(), datetime!(2026-12-07 12:06 UTC)));
    assert!(run_due(&job(), datetime!(2026-12-07 12:07 UTC)));
    // Ran at 14:07: the next is 15:07.
    let ran_at = ran(job(), datetime!(2026-12-07 14:07 UTC), None);
    assert!(!run_due(&ran_at, datetime!(2026-12-07 15:06:59 UTC)));
    assert!(run_due(&ran_at, datetime!(2026-12-07 15:07 UTC)));
    // Suspended, still running, or a schedule not read here: never.
    let mut suspended = job();
    suspended.spec.as_mut().unwrap().suspend = Some(true);
    assert!(!run_due(&suspended, datetime!(2026-12-07 13:00 UTC)));
    let mut running = ran_at.clone();
    running.status.as_mut().unwrap().active = Some(vec![ObjectReference::default()]);
    assert!(!run_due(&running, datetime!(2026-12-07 16:00 UTC)));
    let mut unread = job();
    unread.spec.as_mut().unwrap().schedule = "every hour".into();
    assert!(!run_due(&unread, datetime!(2026-12-07 13:00 UTC)));
    // Made "after now" by a clock that disagrees, and never run: due at once.
    assert!(run_due(
        &job_made(datetime!(2026-12-08 09:00 UTC)),
        datetime!(2026-11-20 12:00 UTC)
    ));
}
