/*
 * moncmd.h - how a module adds a command to the kernel monitor (monitor.c, a small command
 * line on the serial console for looking inside a live system, as HelenOS's kconsole): one
 * MONITOR_CMD line per command, collected in the .moncmds linker section. No dependencies,
 * so any layer can register commands without depending on the monitor.
 */
#ifndef QUIRE_LIB_MONCMD_H
#define QUIRE_LIB_MONCMD_H

struct monitor_cmd {
	const char *name;
	const char *help;
	void (*fn)(const char *args);
};

/* MONITOR_CMD - register a command (linker section .moncmds). */
#define MONITOR_CMD(cname, chelp, cfn)                                                     \
	static const struct monitor_cmd moncmd_##cname                                     \
		__attribute__((used, section(".moncmds." #cname), aligned(8))) = { #cname, chelp, cfn }

#endif
