build2/obj/src/lib/core/json.o: src/lib/core/json.c \
 src/lib/core/json_internal.h
src/lib/core/json_internal.h:
