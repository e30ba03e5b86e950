//! Deterministic synthetic workers.

use chrono::{Days, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::tables::{Role, CITIES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, ROLES};
use super::{Certification, Worker, WorkerStatus};

/// The fixed "today" of the synthetic corpus: certification expiry dates are drawn
/// around it (some before it, i.e. expired), and ingest judges expiry against it by
/// default. Never the wall clock, so a seed always yields the same corpus.
pub const REFERENCE_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 6, 1) {
    Some(d) => d,
    None => panic!("reference date is a valid calendar date"),
};

/// Share of certifications drawn as already expired on [`REFERENCE_DATE`].
const EXPIRED_SHARE: f64 = 0.15;

/// Generates `n` synthetic workers from `seed`.
///
/// Worker `i` depends only on `(seed, i)` (each index has its own ChaCha8 stream), so
/// the first 1,000 workers of a 100k corpus equal a 1,000-worker corpus of the same
/// seed, and the output is identical on every platform.
///
/// Cities are drawn from ~150 real US cities weighted by population; each of ~30
/// staffing roles comes with matching skills, certifications (about 15 % expired on
/// [`REFERENCE_DATE`]) and a pay band. Phones are `555-XXX-XXXX` (never the 3-2-4 shape
/// of an SSN); emails use RFC 2606 example domains; about 87 % of workers are active,
/// 11.5 % inactive and 1.5 % do-not-return.
///
/// ```
/// let a: Vec<_> = lakehouse::corpus::generate_workers(3, 42).collect();
/// let b: Vec<_> = lakehouse::corpus::generate_workers(3, 42).collect();
/// assert_eq!(a, b);
/// assert_eq!(a[0].worker_id, "w-000000");
/// ```
pub fn generate_workers(n: usize, seed: u64) -> WorkerGenerator {
    WorkerGenerator {
        seed,
        next: 0,
        end: n as u64,
        tables: Tables::new(),
    }
}

/// Iterator returned by [`generate_workers`].
#[derive(Debug, Clone)]
pub struct WorkerGenerator {
    seed: u64,
    next: u64,
    end: u64,
    tables: Tables,
}

impl WorkerGenerator {
    /// Worker number `i` of this seed (any `i`, independent of the iteration position).
    pub fn worker(&self, i: u64) -> Worker {
        make_worker(&self.tables, self.seed, i)
    }
}

impl Iterator for WorkerGenerator {
    type Item = Worker;

    fn next(&mut self) -> Option<Worker> {
        if self.next >= self.end {
            return None;
        }
        let w = self.worker(self.next);
        self.next += 1;
        Some(w)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end - self.next).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl ExactSizeIterator for WorkerGenerator {}

/// Cumulative weights for the weighted draws.
#[derive(Debug, Clone)]
struct Tables {
    city_cum: Vec<u64>,
    role_cum: Vec<u64>,
}

impl Tables {
    fn new() -> Self {
        let cum = |ws: &mut dyn Iterator<Item = u64>| {
            let mut acc = 0u64;
            ws.map(|w| {
                acc += w;
                acc
            })
            .collect::<Vec<_>>()
        };
        Tables {
            city_cum: cum(&mut CITIES.iter().map(|c| u64::from(c.2))),
            role_cum: cum(&mut ROLES.iter().map(|r| u64::from(r.weight))),
        }
    }
}

fn weighted(rng: &mut ChaCha8Rng, cum: &[u64]) -> usize {
    let total = cum.last().copied().unwrap_or(1);
    let x = rng.random_range(0..total);
    cum.partition_point(|&c| c <= x)
}

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len() as u32) as usize]
}

fn make_worker(t: &Tables, seed: u64, i: u64) -> Worker {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i);
    let first = pick(&mut rng, FIRST_NAMES);
    let last = pick(&mut rng, LAST_NAMES);
    let (city, state, _, zip_base) = CITIES[weighted(&mut rng, &t.city_cum)];
    let role = &ROLES[weighted(&mut rng, &t.role_cum)];
    let years: u32 = (rng.random::<f64>().powf(1.6) * 26.0) as u32;
    let skills = pick_skills(&mut rng, role);
    let certifications = pick_certifications(&mut rng, role);
    let (lo, hi) = role.pay;
    let seniority = (f64::from(years) / 20.0).min(1.0);
    let rate = lo + (hi - lo) * (0.5 * rng.random::<f64>() + 0.5 * seniority);
    let hourly_rate = (rate * 4.0).round() / 4.0;
    let availability = pick_availability(&mut rng);
    let s = rng.random::<f64>();
    let status = if s < 0.015 {
        WorkerStatus::DoNotReturn
    } else if s < 0.13 {
        WorkerStatus::Inactive
    } else {
        WorkerStatus::Active
    };
    let spread: f64 = (0..3).map(|_| rng.random::<f64>()).sum::<f64>() / 3.0;
    let rating = match status {
        WorkerStatus::DoNotReturn => 1.0 + 2.0 * spread,
        _ => 2.8 + 2.2 * spread,
    };
    let rating = ((rating * 10.0).round() / 10.0) as f32;
    let phone = format!(
        "555-{:03}-{:04}",
        rng.random_range(200..1000u32),
        rng.random_range(0..10_000u32)
    );
    let email = make_email(&mut rng, first, last);
    let zip = format!("{:05}", zip_base + rng.random_range(0..20u32));
    let summary = make_summary(role, city, state, years, &skills, &certifications);
    Worker {
        worker_id: format!("w-{i:06}"),
        first_name: first.to_string(),
        last_name: last.to_string(),
        phone,
        email,
        city: city.to_string(),
        state: state.to_string(),
        zip,
        role: role.name.to_string(),
        skills,
        certifications,
        years_experience: years,
        hourly_rate,
        availability,
        status,
        rating,
        summary,
    }
}

fn pick_skills(rng: &mut ChaCha8Rng, role: &Role) -> Vec<String> {
    let mut idx: Vec<usize> = (0..role.skills.len()).collect();
    let k = rng.random_range(3..=5u32).min(idx.len() as u32) as usize;
    // Partial Fisher-Yates: the first k slots become a uniform sample.
    for j in 0..k {
        let r = j + rng.random_range(0..(idx.len() - j) as u32) as usize;
        idx.swap(j, r);
    }
    idx[..k]
        .iter()
        .map(|&j| role.skills[j].to_string())
        .collect()
}

fn pick_certifications(rng: &mut ChaCha8Rng, role: &Role) -> Vec<Certification> {
    let mut out = Vec::new();
    for (n, &(name, years)) in role.certifications.iter().enumerate() {
        let p = if n == 0 { 0.8 } else { 0.45 };
        if !rng.random_bool(p) {
            continue;
        }
        let expires = if years == 0 {
            None
        } else if rng.random_bool(EXPIRED_SHARE) {
            REFERENCE_DATE.checked_sub_days(Days::new(rng.random_range(1..=540u64)))
        } else {
            let max = u64::from(years) * 365;
            REFERENCE_DATE.checked_add_days(Days::new(rng.random_range(0..max)))
        };
        out.push(Certification {
            name: name.to_string(),
            expires,
        });
    }
    out
}

fn pick_availability(rng: &mut ChaCha8Rng) -> Vec<Weekday> {
    const WEEK: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let mut days: Vec<Weekday> = WEEK
        .iter()
        .filter(|d| {
            let p = if matches!(d, Weekday::Sat | Weekday::Sun) {
                0.45
            } else {
                0.75
            };
            rng.random_bool(p)
        })
        .copied()
        .collect();
    if days.is_empty() {
        days.push(WEEK[rng.random_range(0..5u32) as usize]);
    }
    days
}

fn make_email(rng: &mut ChaCha8Rng, first: &str, last: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (f, l) = (clean(first), clean(last));
    let n = rng.random_range(1..100u32);
    let domain = pick(rng, EMAIL_DOMAINS);
    match rng.random_range(0..3u32) {
        0 => format!("{f}.{l}{n}@{domain}"),
        1 => format!("{}{l}{n}@{domain}", &f[..1.min(f.len())]),
        _ => format!("{f}_{l}@{domain}"),
    }
}

fn make_summary(
    role: &Role,
    city: &str,
    state: &str,
    years: u32,
    skills: &[String],
    certs: &[Certification],
) -> String {
    let mut role_title = role.name.to_string();
    if let Some(c) = role_title.get_mut(..1) {
        c.make_ascii_uppercase();
    }
    let exp = match years {
        0 => "new to the field".to_string(),
        1 => "1 year of experience".to_string(),
        y => format!("{y} years of experience"),
    };
    let mut s = format!("{role_title} in {city}, {state}, {exp}");
    if let [a, b, ..] = skills {
        s.push_str(&format!(" in {a} and {b}"));
    }
    let valid: Vec<&str> = certs
        .iter()
        .filter(|c| c.expires.is_none_or(|d| d >= REFERENCE_DATE))
        .map(|c| c.name.as_str())
        .collect();
    if !valid.is_empty() {
        s.push_str(&format!("; {} certified", valid.join(", ")));
    }
    s.push('.');
    s
}

/// Iterating a borrowed generator replays it from its current position (generators
/// are cheap to clone), so `write_workers_parquet(path, &generate_workers(n, seed))` works.
impl IntoIterator for &WorkerGenerator {
    type Item = Worker;
    type IntoIter = WorkerGenerator;

    fn into_iter(self) -> WorkerGenerator {
        self.clone()
    }
}
