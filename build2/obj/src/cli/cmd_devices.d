build2/obj/src/cli/cmd_devices.o: src/cli/cmd_devices.c src/cli/cli.h \
 include/kolm/err.h include/kolm/catalog.h include/kolm/ctx.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
