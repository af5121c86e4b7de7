"""The verifier's checks as standalone rule functions, each yielding findings (as Arelle's validation rules do).

Every rule takes a :class:`~.context.Context` (what was read, the plan, the engine's figures, the evaluation) and
yields :class:`~juesuan_xlsx.findings.Finding` objects; :func:`juesuan_xlsx.verify.verify` builds the context and
runs the rules in order.  The relation rule also runs on a :class:`~juesuan_xlsx.disclosure.Disclosure` read from
any other source (:func:`.relations.disclosure_findings`), so a relation is judged one way everywhere.
"""
