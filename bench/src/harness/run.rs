//! One run: cold starts, then warm invocations in interleaved rounds, every
//! answer checked.

use std::time::{Duration, Instant};

use common::password::PasswordHasher;

use super::args::{Args, Pin};
use super::login::{Floors, LoginFloors, prepare_table};
use super::report::{report, variant_report};
use super::scenarios::{scenarios, warm_up};
use crate::affinity;
use crate::dynamodb::LocalDynamoDb;
use crate::runtime_api::{FunctionProcess, Memory, RuntimeApi};

#[derive(Default)]
pub(crate) struct Measured {
    pub(crate) cold: Vec<Duration>,
    pub(crate) first: Vec<Duration>,
    pub(crate) warm: Vec<Duration>,
    pub(crate) cpu: Duration,
    pub(crate) cpu_invocations: usize,
    pub(crate) peak_rss_kib: Option<u64>,
    pub(crate) memory: Option<Memory>,
    pub(crate) log_bytes: u64,
    /// For a login: its floors, measured between its batches.
    pub(crate) floors: Floors,
}

/// Runs every scenario the arguments select and prints the report.
pub fn run(args: &Args) -> Result<(), String> {
    let hasher = PasswordHasher::owasp();
    let table = match &args.dynamodb {
        Some(url) => Some(prepare_table(&LocalDynamoDb::new(url)?, &hasher, args)?),
        None => None,
    };
    let mut list = scenarios(args, table.as_ref())?;
    let placement = place(args.pin)?;
    for s in &mut list {
        s.spec.cpus = placement.function.clone();
        s.spec.env.extend(args.env.iter().cloned());
    }
    for s in &list {
        if !s.spec.exe.is_file() {
            return Err(format!(
                "{} not found: build the release binaries first (scripts/bench.sh)",
                s.spec.exe.display()
            ));
        }
    }
    let apis: Vec<RuntimeApi> =
        list.iter().map(|_| RuntimeApi::start()).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    let mut results: Vec<Measured> = list.iter().map(|_| Measured::default()).collect();
    let mut request = 0u64;
    let mut next_id = || {
        request += 1;
        format!("5f2c8a4e-0000-4000-8000-{request:012x}")
    };
    let started = Instant::now();
    println!("{}\n", placement.description);

    // Cold starts, interleaved so a change in machine load hits every function alike.
    eprintln!("harness: {} cold starts per function", args.cold);
    for _ in 0..args.cold {
        for (i, s) in list.iter().enumerate() {
            let mut process = FunctionProcess::spawn(&s.spec, &apis[i])?;
            let invocation = process.invoke(&apis[i], &next_id(), &(s.event)(0))?;
            (s.check)(0, &invocation.outcome).map_err(|e| format!("{}: wrong answer: {e}", s.name))?;
            results[i].cold.push(process.cold_start);
            results[i].first.push(invocation.latency);
            process.kill();
        }
    }

    // Warm: every function stays up; interleaved rounds of invocations.
    eprintln!("harness: warm invocations in {} rounds", args.rounds);
    let floors = match (&table, &args.dynamodb) {
        (Some(table), Some(url)) if list.iter().any(|s| s.login.is_some()) => {
            Some(LoginFloors::start(hasher.clone(), url.clone(), table, placement.function.clone())?)
        }
        _ => None,
    };
    let mut processes: Vec<FunctionProcess> =
        list.iter().zip(&apis).map(|(s, api)| FunctionProcess::spawn(&s.spec, api)).collect::<Result<_, _>>()?;
    let mut sent = vec![0usize; list.len()];
    // Warm-up, not recorded: first-use allocations, page faults, branch predictors.
    for (i, s) in list.iter().enumerate() {
        for _ in 0..warm_up(s.invocations) {
            let invocation = processes[i].invoke(&apis[i], &next_id(), &(s.event)(sent[i]))?;
            (s.check)(sent[i], &invocation.outcome).map_err(|e| format!("{}: wrong answer: {e}", s.name))?;
            sent[i] += 1;
        }
    }
    for round in 0..args.rounds {
        for (i, s) in list.iter().enumerate() {
            let batch = s.invocations / args.rounds + usize::from(round < s.invocations % args.rounds);
            let cpu_before = processes[i].cpu_time();
            for _ in 0..batch {
                let invocation = processes[i].invoke(&apis[i], &next_id(), &(s.event)(sent[i]))?;
                (s.check)(sent[i], &invocation.outcome).map_err(|e| format!("{}: wrong answer: {e}", s.name))?;
                results[i].warm.push(invocation.latency);
                sent[i] += 1;
            }
            if let (Some(before), Some(after)) = (cpu_before, processes[i].cpu_time()) {
                results[i].cpu += after.saturating_sub(before);
                results[i].cpu_invocations += batch;
            }
            if s.login.is_some() {
                // The floors of a login, measured beside its batches on the
                // function's CPU (where the login's argon2 ran).
                let floors = floors.as_ref().ok_or("authenticate without DynamoDB")?;
                results[i].floors.extend(floors.measure(batch)?);
            }
        }
    }
    for (i, process) in processes.into_iter().enumerate() {
        results[i].memory = process.memory();
        results[i].peak_rss_kib = results[i].memory.map(|m| m.peak_kib);
        results[i].log_bytes = process.log_bytes();
        process.kill();
    }
    eprintln!("harness: done in {:.1} s", started.elapsed().as_secs_f64());
    if args.variants.is_empty() {
        report(args, &list, &results);
    } else {
        variant_report(args, &list, &results);
    }
    Ok(())
}

struct Placement {
    function: Option<Vec<usize>>,
    description: String,
}

/// Pins this thread (and so the Runtime API threads started after it) and
/// chooses the functions' CPUs.
fn place(pin: Pin) -> Result<Placement, String> {
    let cpus = affinity::allowed().map_err(|e| format!("sched_getaffinity: {e}"))?;
    let pin_harness = |cpu: usize| affinity::restrict(&[cpu]).map_err(|e| format!("sched_setaffinity: {e}"));
    match (pin, cpus.as_slice()) {
        (Pin::Split, [.., harness, function]) => {
            pin_harness(*harness)?;
            Ok(Placement {
                function: Some(vec![*function]),
                description: format!(
                    "CPUs: harness pinned to CPU {harness}, functions to CPU {function} (--pin split)."
                ),
            })
        }
        (Pin::Same, [.., cpu]) | (Pin::Split, [cpu]) => {
            pin_harness(*cpu)?;
            Ok(Placement {
                function: None,
                description: format!("CPUs: harness and functions pinned to CPU {cpu} (--pin same)."),
            })
        }
        _ => Ok(Placement { function: None, description: format!("CPUs: not pinned, {cpus:?} allowed (--pin none).") }),
    }
}
