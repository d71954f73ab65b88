"""The application layer: the operations every front end calls (`service.DrafterService`), the
interfaces of its collaborators (`protocols`), typed progress events (`events`) and upload
checks (`uploads`). Front ends (the CLI in drafter/cli/, the web UI in drafter/ui/) call only
this layer; see docs/ARCHITECTURE.md, "如何增加一个前端"."""
