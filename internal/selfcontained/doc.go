// Package selfcontained holds the test that keeps the repository and the ibcmc binary free of references
// to material users do not have: the internal reference documents the project was written from, their
// seed files and fact sheets. Everything ibcmc ships or prints must point into the repository (docs/) or
// to Microsoft Learn.
package selfcontained
