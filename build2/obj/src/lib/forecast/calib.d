build2/obj/src/lib/forecast/calib.o: src/lib/forecast/calib.c \
 include/kolm/calib.h include/kolm/err.h \
 src/lib/forecast/calib_internal.h src/lib/forecast/calib_rows.h \
 src/lib/core/json_internal.h src/lib/catalog/ctx_internal.h \
 include/kolm/ctx.h include/kolm/catalog.h include/kolm/estimate.h \
 include/kolm/model.h include/kolm/util.h
include/kolm/calib.h:
include/kolm/err.h:
src/lib/forecast/calib_internal.h:
src/lib/forecast/calib_rows.h:
src/lib/core/json_internal.h:
src/lib/catalog/ctx_internal.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/estimate.h:
include/kolm/model.h:
include/kolm/util.h:
