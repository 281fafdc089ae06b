"""The operations consoles of the closed loop: 城管通 (collectors), 受理 (acceptance), 派遣 (dispatch), 处置 (departments)."""
