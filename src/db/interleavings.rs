//! Every interleaving, checked: the real claim statements of `uploads`, `ledger` and `files`,
//! run on the real schema in SQLite, for actors racing on one direct upload (a complete, a
//! retried complete, an abort, the sweeper after the deadline, a delete of the file). Each
//! actor is the sequence of D1 transactions (and bucket calls between them) its service
//! operation makes; every order of their steps is tried from a fresh database, and after
//! each the invariants must hold: a file row's object is in the bucket, an object in the
//! bucket is a file's or on the ledger, and at most one actor acted on the bucket's bytes.

use super::notices::NewNotice;
use super::testing::{schema, values};
use super::{files, ledger, uploads, users, Statement};
/// The default `LATE_WRITE_GRACE_SECONDS`, in ms.
const LATE_WRITE_GRACE_MILLIS: i64 = crate::domain::uploads::LATE_WRITE_GRACE_SECONDS as i64 * 1000;
use crate::model::Id;
use rusqlite::Connection;
use std::collections::BTreeSet;

const NOW: i64 = 1_000_000;
const EXPIRES_AT: i64 = NOW + 10_000;
/// When the sweeper runs: after the upload's deadline.
const LATER: i64 = EXPIRES_AT + 1;
const LEASE: i64 = 300_000;
const KEY: &str = "u/0123456789abcdef0123456789abcdef/f";
const MULTIPART: &str = "mp";

fn id(text: &str) -> Id {
    Id::from_trusted(format!("{text:0>32}"))
}

/// The bucket: which objects exist, and whether the multipart upload is still open.
#[derive(Debug, Clone, Default)]
struct Bucket {
    objects: BTreeSet<String>,
    multipart_open: bool,
}

/// Runs a batch as D1 would (all or nothing, as a savepoint inside the schedule's own
/// transaction, which is rolled back after each schedule); returns how many rows each
/// statement returned.
fn batch(db: &Connection, statements: &[Statement]) -> Vec<usize> {
    db.execute_batch("SAVEPOINT batch").unwrap();
    let counts = statements
        .iter()
        .map(|statement| {
            let mut prepared = db.prepare(&statement.sql).unwrap();
            let mut rows = prepared.query(rusqlite::params_from_iter(values(statement))).unwrap();
            let mut count = 0;
            while rows.next().unwrap().is_some() {
                count += 1;
            }
            count
        })
        .collect();
    db.execute_batch("RELEASE batch").unwrap();
    counts
}

/// One of the racing requests: its next step, given the database and the bucket; `false`
/// once it has nothing more to do.
trait Actor {
    fn step(&mut self, db: &Connection, bucket: &mut Bucket) -> bool;
    /// Whether it stored or joined, or deleted, the upload's bytes.
    fn touched_bytes(&self) -> bool;
}

/// `complete_upload`: claim, join the parts, commit (or hand the claim back).
struct Completer {
    claim: String,
    /// When it claims the upload.
    at: i64,
    step: u8,
    /// It reached the bucket holding what it took for a claim.
    acted: bool,
}

impl Actor for Completer {
    fn step(&mut self, db: &Connection, bucket: &mut Bucket) -> bool {
        let (owner, upload) = (id("1"), id("2"));
        self.step += 1;
        match self.step {
            1 => {
                batch(
                    db,
                    &[uploads::sql::claim_for_completion(
                        uploads::Uploader { owner: &owner, request: None },
                        &upload,
                        &self.claim,
                        self.at,
                        self.at + LEASE,
                    )],
                )[0] == 1
            }
            2 => {
                self.acted = true;
                if bucket.multipart_open {
                    bucket.multipart_open = false;
                    bucket.objects.insert(KEY.to_owned());
                    true
                } else if bucket.objects.contains(KEY) {
                    // Joined for an earlier claim whose request died: commit what it joined.
                    true
                } else {
                    // The parts are gone (aborted): nothing changed, hand the claim back.
                    batch(db, &[uploads::sql::release_completion(&upload, &self.claim)]);
                    false
                }
            }
            3 => {
                batch(db, &commit(&upload, &self.claim));
                false
            }
            _ => false,
        }
    }

    fn touched_bytes(&self) -> bool {
        self.acted
    }
}

/// The commit of the upload's file (`id("3")`, of user `id("1")`) by the complete holding `claim`.
fn commit(upload: &Id, claim: &str) -> Vec<Statement> {
    let (file, owner) = (id("3"), id("1"));
    let file = files::NewFile {
        id: &file,
        owner: &owner,
        name: "f",
        name_folded: "f".into(),
        folder: "/",
        size: 5,
        content_type: "text/plain",
        object_key: KEY,
        now: NOW,
        expires_at: None,
    };
    files::sql::commit_file(&file, None, Some((upload, claim)), None)
}

/// A deleter of the upload's object: the owner's abort, or the sweeper after the deadline.
struct Deleter {
    claim: String,
    sweeper: bool,
    step: u8,
    claimed: bool,
}

impl Actor for Deleter {
    fn step(&mut self, db: &Connection, bucket: &mut Bucket) -> bool {
        let (owner, upload) = (id("1"), id("2"));
        self.step += 1;
        match self.step {
            1 => {
                let statements = if self.sweeper {
                    ledger::sql::claim_due_orphan(KEY, &self.claim, LATER, LATER + LEASE)
                } else {
                    vec![
                        uploads::sql::claim_for_abort(
                            uploads::Uploader { owner: &owner, request: None },
                            &upload,
                            &self.claim,
                            NOW,
                        ),
                        ledger::sql::claim_aborted_upload_object(&upload, &self.claim, NOW, NOW + LEASE),
                    ]
                };
                self.claimed = batch(db, &statements)[1] == 1;
                self.claimed
            }
            2 => {
                bucket.multipart_open = false;
                bucket.objects.remove(KEY);
                true
            }
            3 => {
                let now = if self.sweeper { LATER } else { NOW };
                batch(db, &ledger::sql::release_claimed(KEY, &self.claim, now, LATE_WRITE_GRACE_MILLIS));
                false
            }
            _ => false,
        }
    }

    fn touched_bytes(&self) -> bool {
        self.claimed
    }
}

/// `delete_file` of the file the upload becomes (a 404 until it exists).
struct FileDeleter {
    step: u8,
    deleted: bool,
}

impl Actor for FileDeleter {
    fn step(&mut self, db: &Connection, bucket: &mut Bucket) -> bool {
        self.step += 1;
        match self.step {
            1 => {
                // One delete of the file: by id, which the upload's ticket already named.
                let owner = id("1");
                let notice = NewNotice {
                    id: "n",
                    owner: owner.as_str(),
                    event: "file.deleted",
                    data: "{}",
                    at: NOW,
                    due_at: NOW,
                };
                let counts =
                    batch(db, &files::sql::delete_file(&id("1"), &id("3"), "file-delete", NOW + LEASE, Some(&notice)));
                self.deleted = counts.last() == Some(&1);
                self.deleted
            }
            2 => {
                bucket.objects.remove(KEY);
                true
            }
            3 => {
                batch(db, &ledger::sql::release_claimed(KEY, "file-delete", NOW, LATE_WRITE_GRACE_MILLIS));
                false
            }
            _ => false,
        }
    }

    fn touched_bytes(&self) -> bool {
        false
    }
}

/// A form upload streamed through the Worker (its own key, on the ledger for an hour of
/// grace), storing its object and committing it while the sweeper, later than the grace,
/// goes for the same key: the ledger claim decides which one acts.
struct Streamer {
    step: u8,
}

const STREAMED: &str = "u/0123456789abcdef0123456789abcdef/s";

impl Actor for Streamer {
    fn step(&mut self, db: &Connection, bucket: &mut Bucket) -> bool {
        self.step += 1;
        match self.step {
            1 => {
                bucket.objects.insert(STREAMED.to_owned());
                true
            }
            2 => {
                let file = files::NewFile {
                    id: &id("4"),
                    owner: &id("1"),
                    name: "s",
                    name_folded: "s".into(),
                    folder: "/",
                    size: 0,
                    content_type: "text/plain",
                    object_key: STREAMED,
                    now: NOW,
                    expires_at: None,
                };
                // Born, or (the sweeper took the entry) put back on the ledger for it.
                batch(db, &files::sql::commit_file(&file, None, None, None))[0] == 0
            }
            3 => {
                batch(db, &[ledger::sql::requeue_streamed(STREAMED, NOW)]);
                false
            }
            _ => false,
        }
    }

    fn touched_bytes(&self) -> bool {
        false
    }
}

/// The sweeper going for the streamed upload's key.
struct StreamSweeper {
    step: u8,
}

impl Actor for StreamSweeper {
    fn step(&mut self, db: &Connection, bucket: &mut Bucket) -> bool {
        self.step += 1;
        match self.step {
            1 => batch(db, &ledger::sql::claim_due_orphan(STREAMED, "sweep", LATER, LATER + LEASE))[1] == 1,
            2 => {
                bucket.objects.remove(STREAMED);
                true
            }
            3 => {
                batch(db, &ledger::sql::release_claimed(STREAMED, "sweep", LATER, LATE_WRITE_GRACE_MILLIS));
                false
            }
            _ => false,
        }
    }

    fn touched_bytes(&self) -> bool {
        false
    }
}

/// A user with a pending multipart upload of `KEY`, as `create_upload` leaves it, and a form
/// upload of `STREAMED` whose grace ran out by `LATER`.
fn pending_upload() -> (Connection, Bucket) {
    let db = schema();
    let owner = id("1");
    db.execute(
        "INSERT INTO users (id, email, email_canonical, password_hash, created_at) VALUES (?1, 'a@b.io', 'a@b.io', 'h', 0)",
        [owner.as_str()],
    )
    .unwrap();
    batch(&db, &ledger::sql::reserve_object(&owner, KEY, EXPIRES_AT, 5, None));
    let upload = uploads::NewUpload {
        id: &id("2"),
        owner: &owner,
        file: &id("3"),
        object_key: KEY,
        name: "f",
        folder: "/",
        content_type: "text/plain",
        size: 5,
        part_size: 5,
        multipart_id: Some(MULTIPART),
        now: NOW,
        expires_at: EXPIRES_AT,
        request: None,
        file_ttl_seconds: None,
    };
    batch(&db, &[uploads::sql::insert_upload(&upload), ledger::sql::note_multipart(KEY, MULTIPART)]);
    batch(&db, &ledger::sql::reserve_object(&owner, STREAMED, LATER - 1, 0, None));
    (db, Bucket { objects: BTreeSet::new(), multipart_open: true })
}

fn text_column(db: &Connection, sql: &str) -> Vec<String> {
    let mut statement = db.prepare(sql).unwrap();
    let rows = statement.query_map([], |row| row.get::<_, String>(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

/// The invariants after an interleaving, as the audit states them.
fn check(db: &Connection, bucket: &Bucket, schedule: &[usize]) {
    let files: BTreeSet<String> = text_column(db, "SELECT object_key FROM files").into_iter().collect();
    let ledger: BTreeSet<String> = text_column(db, "SELECT object_key FROM orphan_objects").into_iter().collect();
    for key in &files {
        assert!(bucket.objects.contains(key), "schedule {schedule:?}: file row without its object");
        assert!(!ledger.contains(key), "schedule {schedule:?}: a file's object on the ledger");
    }
    for key in &bucket.objects {
        assert!(files.contains(key) || ledger.contains(key), "schedule {schedule:?}: stray object {key}");
    }
    let reserved: i64 = db.query_row("SELECT reserved_bytes FROM users", [], |row| row.get(0)).unwrap();
    let on_ledger: i64 =
        db.query_row("SELECT coalesce(sum(reserved_bytes), 0) FROM orphan_objects", [], |row| row.get(0)).unwrap();
    assert_eq!(reserved, on_ledger, "schedule {schedule:?}: reservations");
    let used: i64 = db.query_row("SELECT used_bytes FROM users", [], |row| row.get(0)).unwrap();
    let stored: i64 = db.query_row("SELECT coalesce(sum(size), 0) FROM files", [], |row| row.get(0)).unwrap();
    assert_eq!(used, stored, "schedule {schedule:?}: used bytes");
}

/// Every order of the actors' steps (each actor's own steps in order), from a fresh start.
fn every_interleaving(make: impl Fn() -> Vec<Box<dyn Actor>>, steps: usize, check_winners: bool) -> usize {
    every_interleaving_from(pending_upload, make, steps, check_winners)
}

/// [`every_interleaving`], from the state `start` makes.
fn every_interleaving_from(
    start: fn() -> (Connection, Bucket),
    make: impl Fn() -> Vec<Box<dyn Actor>>,
    steps: usize,
    check_winners: bool,
) -> usize {
    let count = make().len();
    let mut schedules = vec![Vec::new()];
    for _ in 0..count * steps {
        schedules = schedules
            .into_iter()
            .flat_map(|s: Vec<usize>| (0..count).map(move |a| [s.clone(), vec![a]].concat()))
            .filter(|s| (0..count).all(|a| s.iter().filter(|x| **x == a).count() <= steps))
            .collect();
    }
    let (db, start) = start();
    for schedule in &schedules {
        db.execute_batch("BEGIN").unwrap();
        let mut bucket = start.clone();
        let mut actors = make();
        let mut done = vec![false; count];
        for &actor in schedule {
            if !done[actor] {
                done[actor] = !actors[actor].step(&db, &mut bucket);
            }
        }
        for (actor, finished) in done.iter().enumerate() {
            while !finished && actors[actor].step(&db, &mut bucket) {}
        }
        check(&db, &bucket, schedule);
        if check_winners {
            let winners = actors.iter().filter(|a| a.touched_bytes()).count();
            assert!(winners <= 1, "schedule {schedule:?}: {winners} requests acted on the same bytes");
        }
        db.execute_batch("ROLLBACK").unwrap();
    }
    schedules.len()
}

fn completer(claim: &str) -> Box<dyn Actor> {
    Box::new(Completer { claim: claim.into(), at: NOW, step: 0, acted: false })
}

/// A complete retried once the first one's claim ran out (that one may still be running).
fn late_completer(claim: &str) -> Box<dyn Actor> {
    Box::new(Completer { claim: claim.into(), at: NOW + LEASE + 1, step: 0, acted: false })
}

/// [`pending_upload`], with a deadline long enough for a claim to run out before it.
fn long_pending_upload() -> (Connection, Bucket) {
    let (db, bucket) = pending_upload();
    let deadline = NOW + 10 * LEASE;
    db.execute("UPDATE uploads SET expires_at = ?1", [deadline]).unwrap();
    db.execute("UPDATE orphan_objects SET sweep_after = ?1 WHERE object_key = ?2", rusqlite::params![deadline, KEY])
        .unwrap();
    (db, bucket)
}

fn deleter(claim: &str, sweeper: bool) -> Box<dyn Actor> {
    Box::new(Deleter { claim: claim.into(), sweeper, step: 0, claimed: false })
}

#[test]
fn two_completes_never_both_act_and_never_lose_the_bytes() {
    let tried = every_interleaving(|| vec![completer("a"), completer("b")], 3, true);
    assert_eq!(tried, 20);
}

#[test]
fn an_abort_and_a_complete_leave_a_whole_file_or_nothing_in_every_order() {
    every_interleaving(|| vec![completer("c"), deleter("abort", false)], 3, true);
}

#[test]
fn the_sweeper_and_a_complete_at_the_deadline_never_delete_a_files_bytes() {
    every_interleaving(|| vec![completer("c"), deleter("sweep", true)], 3, true);
}

#[test]
fn a_complete_an_abort_and_the_sweeper_all_at_once() {
    let tried = every_interleaving(|| vec![completer("c"), deleter("abort", false), deleter("sweep", true)], 3, true);
    assert_eq!(tried, 1680);
}

#[test]
fn a_form_upload_outliving_its_grace_and_the_sweeper_never_leave_a_file_without_bytes() {
    every_interleaving(|| vec![Box::new(Streamer { step: 0 }), Box::new(StreamSweeper { step: 0 })], 3, false);
}

#[test]
fn a_delete_racing_its_files_complete_never_strands_bytes() {
    every_interleaving(|| vec![completer("c"), Box::new(FileDeleter { step: 0, deleted: false })], 3, false);
}

#[test]
fn a_complete_that_outlives_its_claim_never_counts_the_file_a_second_time() {
    // The retry takes over once the first complete's claim ran out; both may reach the
    // bucket (the first joined the parts, the retry commits them), but one file is counted.
    let tried =
        every_interleaving_from(long_pending_upload, || vec![completer("slow"), late_completer("retry")], 3, false);
    assert_eq!(tried, 20);
}

/// The ledger entry of `KEY`: when it is due, whether it is unclaimed, and its multipart id.
fn entry(db: &Connection) -> Option<(i64, bool, Option<String>)> {
    db.query_row(
        "SELECT sweep_after, claim IS NULL, multipart_id FROM orphan_objects WHERE object_key = ?1",
        [KEY],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .ok()
}

#[test]
fn an_account_deleted_while_an_upload_url_still_works_keeps_the_key_until_a_late_put_is_swept() {
    let (db, _) = pending_upload();
    db.execute("UPDATE uploads SET multipart_id = NULL", []).unwrap();
    db.execute("UPDATE orphan_objects SET multipart_id = NULL", []).unwrap();
    let (owner, upload) = (id("1"), id("2"));
    let who = uploads::Uploader { owner: &owner, request: None };
    batch(&db, &[uploads::sql::claim_for_completion(who, &upload, "c", NOW, NOW + LEASE)]);
    assert_eq!(batch(&db, &commit(&upload, "c"))[0], 1);

    // The account goes while the upload's PUT URL is still good until EXPIRES_AT.
    assert_eq!(batch(&db, &users::sql::delete_account(&owner, "gone", NOW + 1, NOW + LEASE))[0], 1);
    batch(&db, &ledger::sql::release_claimed(KEY, "gone", NOW + 1, LATE_WRITE_GRACE_MILLIS));
    let due = EXPIRES_AT + LATE_WRITE_GRACE_MILLIS;
    assert_eq!(entry(&db), Some((due, true, None)), "kept while a PUT with that URL may land");

    // A late PUT stored the object again; the sweep once nothing can write it deletes it for good.
    assert_eq!(batch(&db, &ledger::sql::claim_due_orphan(KEY, "sweep", due, due + LEASE))[1], 1);
    batch(&db, &ledger::sql::release_claimed(KEY, "sweep", due, LATE_WRITE_GRACE_MILLIS));
    assert_eq!(entry(&db), None);
}

#[test]
fn an_aborted_multipart_upload_is_aborted_again_once_its_late_parts_may_have_landed() {
    let (db, _) = pending_upload();
    let (owner, upload) = (id("1"), id("2"));
    let who = uploads::Uploader { owner: &owner, request: None };
    let claimed = batch(
        &db,
        &[
            uploads::sql::claim_for_abort(who, &upload, "abort", NOW),
            ledger::sql::claim_aborted_upload_object(&upload, "abort", NOW, NOW + LEASE),
        ],
    );
    assert_eq!(claimed[1], 1);
    batch(&db, &ledger::sql::release_claimed(KEY, "abort", NOW, LATE_WRITE_GRACE_MILLIS));
    let due = EXPIRES_AT + LATE_WRITE_GRACE_MILLIS;
    // Part uploads under way when it was aborted may still store parts: the entry keeps the
    // multipart id for the sweep that aborts it once more then.
    assert_eq!(entry(&db), Some((due, true, Some(MULTIPART.to_owned()))));
    let mut statement = db.prepare(&ledger::sql::due_orphans(due, 10).sql).unwrap();
    let keys: Vec<String> =
        statement.query_map(rusqlite::params![due, 10], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert!(keys.iter().any(|k| k == KEY), "{keys:?}");
}
