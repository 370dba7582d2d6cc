//! littlefs v2 on the C engine (being written).
