"""The finance bureau's (财政局) view: every unit's reports and money for a year, and its workbooks."""
