//! Property tests for the validators (filled in next commit).
