//! The `replay_run.v1` record, defined once in the journal (the materializer reads it
//! too): see [`crate::journal::events::ReplayRun`].

pub use crate::journal::events::{
    ReplayRun, RunVerdict, RunViolation, Stage, StageMs, StageUs, REPLAY_RUN_SCHEMA,
};
