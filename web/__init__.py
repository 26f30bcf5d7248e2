"""Domain-free web conventions that every app shares and that know no app.

List pages, their filter forms and keyset pagination; the REST API's conventions (the
`{"detail", "errors"}` error body and its exception handler, paging, `api_path`, date-time
filters); `Refused`, the base of every refusal that carries its own status. Nothing here
imports a project app (import-linter keeps it so: see .importlinter).
"""
