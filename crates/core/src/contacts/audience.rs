//! Which contacts an audience selects.
