/* diff.h - version comparison for the qfs tool (module prefix qfs_tool_). */
#ifndef QFS_TOOL_DIFF_H
#define QFS_TOOL_DIFF_H

#include <stdint.h>

/* qfs_tool_diff - print a line diff (text) or the differing byte ranges; 1 if equal. */
int qfs_tool_diff(const uint8_t *a, uint64_t na, const uint8_t *b, uint64_t nb);

#endif /* QFS_TOOL_DIFF_H */
