build2/obj/src/cli/cmd_calibrate.o: src/cli/cmd_calibrate.c src/cli/cli.h \
 include/kolm/err.h include/kolm/calib.h include/kolm/ctx.h \
 include/kolm/catalog.h
src/cli/cli.h:
include/kolm/err.h:
include/kolm/calib.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
