//! Core calls whose final form lands with another branch; one place to switch.

use lakehouse::Lakehouse;

/// Closes the lakehouse, releasing its lock.
pub fn close(lake: Lakehouse) -> lakehouse::Result<()> {
    lake.flush()?;
    drop(lake);
    Ok(())
}
