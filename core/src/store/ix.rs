//! The index types the store builds on, in one place.

pub(crate) use crate::index::{
    GraphState, IndexConfig, Record, ReplayOp, VectorIndex, WriteObserver, WriteOp,
};
