"""Progress tracking (双监控): indicators and budget execution of a unit-year, with charts."""
