# Writes a C++ source file holding every schema migration as a string, in file order.
# Invoked at build time (cmake/embed_files.cmake) with -DOUT=<file> -DFILES=<.sql files
# separated by '|'>, optionally -DFUNCTION=<name> (default embedded_migrations) and
# -DHEADER=<include> (default migrations.h): the edge schema (schema/*.sql) and the central
# one (schema/central/*.sql) are embedded the same way.
if(NOT FUNCTION)
  set(FUNCTION embedded_migrations)
endif()
if(NOT HEADER)
  set(HEADER migrations.h)
endif()
string(REPLACE "|" ";" FILES "${FILES}")
set(body "// Generated from schema SQL files by cmake/embed_schema.cmake. Do not edit.\n")
string(APPEND body "#include \"${HEADER}\"\n\nnamespace ledger::detail {\n\n")
string(APPEND body "const std::vector<Migration>& ${FUNCTION}() {\n")
string(APPEND body "  static const std::vector<Migration> migrations = {\n")
foreach(file ${FILES})
  get_filename_component(name ${file} NAME)
  string(REGEX MATCH "^[0-9]+" number ${name})
  math(EXPR version "${number}")
  file(READ ${file} sql)
  string(APPEND body "    {${version}, \"${name}\", R\"ledger_sql(${sql})ledger_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return migrations;\n}\n\n}  // namespace ledger::detail\n")
file(WRITE ${OUT} "${body}")
