"""chengguan — an open platform for 数字城管 and urban-management law enforcement."""

__version__ = "0.1.0"
