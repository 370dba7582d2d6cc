//! uvfs facade (being written).
