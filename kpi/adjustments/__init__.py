"""绩效目标调整: changing an approved table's targets and points, with review and finance approval."""
