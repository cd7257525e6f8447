"""The finance bureau's 复核 of a unit's own 自评表: read the filled-in form, score it afresh, compare."""
