"""The library's exceptions: every error a user can cause is a :class:`JuesuanError` whose message is one Chinese
sentence saying what is wrong and what to do; the CLI prints it as one line with exit status 2, in one place.

And the one table of operating-system errors in Chinese (:func:`os_reason`), for reading and for writing.
"""

from __future__ import annotations

import errno


class JuesuanError(Exception):
    """Base of every user-facing error of juesuan-xlsx; ``str(error)`` is the Chinese message."""


_REASONS: dict[int, tuple[str, str]] = {  # errno → (reading, writing)
    errno.ENOENT: ("文件或目录不存在", "目录不存在，请先建立目录或换一个输出位置"),
    errno.EACCES: ("没有读取权限", "没有写入权限，请换一个输出位置"),
    errno.EPERM: ("操作不被允许", "没有写入权限，请换一个输出位置"),
    errno.ENOSPC: ("磁盘空间不足", "磁盘空间不足，请清理磁盘或换一个输出位置"),
    errno.EROFS: ("文件系统只读", "文件系统只读，请换一个输出位置"),
    errno.EISDIR: ("这是一个目录", "这是一个目录，请给出文件名"),
    errno.ENOTDIR: ("路径中有一段不是目录", "路径中有一段不是目录，请换一个输出位置"),
    errno.EIO: ("磁盘或网络读写错误", "磁盘或网络读写错误"),
    errno.ELOOP: ("符号链接形成循环", "符号链接形成循环"),
    errno.ENAMETOOLONG: ("路径过长", "路径过长，请换一个短一些的文件名"),
    errno.EBUSY: ("文件正被占用", "文件正被占用，请关闭打开它的程序后重试"),
    errno.ETIMEDOUT: ("网络盘连接超时", "网络盘连接超时"),
    errno.EDQUOT: ("磁盘配额已满", "磁盘配额已满，请清理后重试"),
}


def os_reason(exc: OSError, *, writing: bool = False) -> str:
    """An OS error in Chinese, with what to do; an unlisted one keeps the system's words and its number."""
    known = _REASONS.get(exc.errno or -1)
    if known is not None:
        return known[1] if writing else known[0]
    reason = exc.strerror or type(exc).__name__
    return f"{reason}，错误码 {exc.errno}" if exc.errno is not None else reason
