"""The narrative side of a return: the 说明 inputs and sheet, every amount as printed, the 情况说明 text.

Below the workbook readers and writers: ``new`` writes the 说明 sheet, ``verify`` reads it and checks what the
narrative would miss, ``export`` prints the text, ``merge`` and ``new --like`` carry the inputs.
"""
