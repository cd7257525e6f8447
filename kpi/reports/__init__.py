"""Excel reports (报表): the house style every workbook builder shares lives in `style`."""
