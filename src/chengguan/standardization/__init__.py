"""规范化建设: the enforcement-team standardization checklist, self-assessment, review and progress."""
