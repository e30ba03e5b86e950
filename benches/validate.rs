//! Validator latency: a 1 KB outreach email and a 160-character SMS through
//! `EmailValidator`, `sms_segments` alone, and a 2-worker fill proposal.
//! Goals (issue 4): ≤ 20 µs per email, ≤ 5 µs per SMS.
//!
//! Every case runs twice: `wall/…` is criterion's wall clock; `cpu/…` measures the
//! benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which stays meaningful on
//! a shared, oversubscribed machine where the thread waits for a core.
//!
//!     nice -n 10 cargo bench -p lakehouse --bench validate

use chrono::{NaiveDate, Weekday};
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lakehouse::validate::{
    sms_segments, Draft, DraftKind, EmailValidator, FillValidator, JobOrder, Proposal, Roster,
    ValidatorConfig,
};
use lakehouse::{Certification, Worker, WorkerStatus};

fn worker(id: &str) -> Worker {
    Worker {
        worker_id: id.into(),
        first_name: "Maria".into(),
        last_name: "Lopez".into(),
        phone: "555-987-6543".into(),
        email: "maria.lopez@example.com".into(),
        city: "Lakeside".into(),
        state: "MI".into(),
        zip: "49116".into(),
        role: "forklift operator".into(),
        skills: vec!["picker".into()],
        certifications: vec![Certification {
            name: "Forklift".into(),
            expires: NaiveDate::from_ymd_opt(2027, 6, 30),
        }],
        years_experience: 4,
        hourly_rate: 21.0,
        availability: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed],
        status: WorkerStatus::Active,
        rating: 4.5,
        summary: String::new(),
    }
}

fn email_draft() -> Draft {
    let mut body = String::from(
        "Hi Maria,\n\nWe have a Forklift Operator shift in Lakeside, MI that matches your \
         experience (order 1042). It pays $21.00 an hour and starts next week, Monday \
         December 7 at 8:00 am, at the Acme Logistics warehouse on Route 12.\n\n",
    );
    let tail = "\n\nIf you are interested, reply to this email or call us at 555-123-4567.\n\n\
         Thanks,\nLakeside Staffing\n200 Harbor Street, Lakeside, MI 49116\n\n\
         To unsubscribe from job alerts, reply with UNSUBSCRIBE.";
    while body.len() + tail.len() < 1024 {
        body.push_str(
            "The site has free parking, a break room and safety gear on loan; steel-toe \
             boots are required. Shifts run eight hours with a 30 minute lunch. ",
        );
    }
    // Exactly 1 KiB; the filler is ASCII, so any byte is a char boundary.
    body.truncate(1024 - tail.len());
    body.push_str(tail);
    Draft {
        kind: DraftKind::Email,
        to: "maria.lopez@example.com".into(),
        subject: Some("Forklift Operator shift in Lakeside".into()),
        body,
        recipient: Some(worker("w-1")),
    }
}

fn sms_draft() -> Draft {
    let mut body = String::from(
        "Hi Maria, Lakeside Staffing: Forklift Operator shift in Lakeside, $21.00/hr. Call 555-123-4567. Reply STOP to opt out",
    );
    body.insert_str(body.len() - 30, &" ".repeat(160 - body.len()));
    Draft {
        kind: DraftKind::Sms,
        to: "555-987-6543".into(),
        subject: None,
        body,
        recipient: Some(worker("w-1")),
    }
}

/// CPU time of the calling thread.
struct ThreadCpu;

#[cfg(unix)]
fn thread_cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a libc constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(unix))]
fn thread_cpu_now() -> Duration {
    // No portable thread clock: fall back to a monotonic wall clock.
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed()
}

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_cpu_now()
    }
    fn end(&self, start: Duration) -> Duration {
        thread_cpu_now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Values are nanoseconds, exactly what the wall-clock formatter expects.
        WallTime.formatter()
    }
}

fn wall(c: &mut Criterion) {
    bench(c, "wall");
}

fn cpu(c: &mut Criterion<ThreadCpu>) {
    bench(c, "cpu");
}

fn bench<M: Measurement + 'static>(c: &mut Criterion<M>, clock: &str) {
    let v = EmailValidator::new(ValidatorConfig::default()).expect("default config");
    let email = email_draft();
    let sms = sms_draft();
    assert!(
        email.body.len() >= 1000 && email.body.len() <= 1100,
        "{}",
        email.body.len()
    );
    assert_eq!(sms.body.chars().count(), 160);
    let (e, s) = (v.validate(&email), v.validate(&sms));
    assert!(e.ok && e.violations.is_empty(), "{:?}", e.violations);
    assert!(s.ok && s.violations.is_empty(), "{:?}", s.violations);

    c.bench_function(&format!("{clock}/email_1kb"), |b| {
        b.iter(|| v.validate(black_box(&email)))
    });
    c.bench_function(&format!("{clock}/sms_160"), |b| {
        b.iter(|| v.validate(black_box(&sms)))
    });
    c.bench_function(&format!("{clock}/sms_segments_160"), |b| {
        b.iter(|| sms_segments(black_box(&sms.body)))
    });

    let roster = Roster::new((0..1000).map(|i| worker(&format!("w-{i}"))).collect());
    let fill = FillValidator::new(ValidatorConfig::default(), roster).expect("roster");
    let day = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    let order = JobOrder {
        order_id: "ord-1".into(),
        client: "acme".into(),
        city: "Lakeside".into(),
        state: "MI".into(),
        role: "forklift operator".into(),
        headcount: 2,
        shift_start: day.and_hms_opt(8, 0, 0).expect("time"),
        shift_end: day.and_hms_opt(16, 0, 0).expect("time"),
        pay_rate: 21.0,
        required_certs: vec!["forklift".into()],
    };
    let proposal = Proposal {
        order_id: "ord-1".into(),
        worker_ids: vec!["w-1".into(), "w-2".into()],
    };
    assert!(fill.validate(&order, &proposal).ok);
    c.bench_function(&format!("{clock}/fill_2_workers"), |b| {
        b.iter(|| fill.validate(black_box(&order), black_box(&proposal)))
    });
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_clock;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = cpu
}
criterion_main!(wall_clock, cpu_clock);
