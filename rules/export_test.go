package rules

// CheckCatalog lets the catalog tests show that the checks behind the catalog refuse a bad table.
var CheckCatalog = checkCatalog
