"""juesuan-xlsx: 部门决算公开九张表的 Excel 模板生成、校验与导出。"""

__version__ = "0.1.0"
