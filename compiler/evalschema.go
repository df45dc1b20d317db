package compiler

// Every design is unified with the schema as written (evaluate in compile.go); there is no evaluation form
// of the schema beside it.
//
// An earlier form took the constant defaults out of the evaluator's way (`zone: *"intranet" | string`
// evaluated as `zone?: string`, the decoder filling in the default): `ibcmc vet` of a 5,000-system design
// took 0.92 s with it and takes 1.25 s without (bench/run). But a design could tell it from the schema as
// written in too many ways to refuse them all, each with another meaning and no error: `zone?:
// "perimeter"` (perimeter as written, the default in the form), a default or a closed definition of the
// design's own, close(), and every construct that sees which fields exist:
// len(systems.mp1.roles.managementPoint), `for k, v in systems.mp1`, `systems.mp1.zone == _|_`, a pattern
// over a system's fields (`systems: mp1: [=~"^zo"]: "perimeter"` sets zone as written, nothing in the
// form). TestSchemaAsWrittenMeaning pins what these mean now. A form that only turns choices of string
// literals into one pattern keeps the meaning (every field keeps its presence and default) but saved 5% of
// the evaluation: not worth a second schema.
