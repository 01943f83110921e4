"""Tables clerks keep in Excel, read into explicit values: 代表建议办理 (`jianyi`) and the
政府信息公开工作年度报告 (`nianbao`).

A package of its own rather than `congressgen/data/` (which holds the package's data files:
config and report templates, the formulations dictionary) and rather than inside `model/`
(these are readers of source files, the content stage of data files; the model's page kinds
take their results). Every problem is a `DataProblem` with `file:line:col` and a rule id, so
that the build refuses with all of them at once and `congressgen check` lists them as findings.
"""

from congressgen.tables.problems import DataProblem, DataProblems

__all__ = ["DataProblem", "DataProblems"]
