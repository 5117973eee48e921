build2/obj/src/lib/forecast/calib_rows.o: src/lib/forecast/calib_rows.c \
 src/lib/forecast/calib_rows.h include/kolm/err.h \
 src/lib/core/json_internal.h src/lib/catalog/ctx_internal.h \
 include/kolm/ctx.h include/kolm/catalog.h include/kolm/estimate.h \
 include/kolm/model.h include/kolm/util.h
src/lib/forecast/calib_rows.h:
include/kolm/err.h:
src/lib/core/json_internal.h:
src/lib/catalog/ctx_internal.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/estimate.h:
include/kolm/model.h:
include/kolm/util.h:
