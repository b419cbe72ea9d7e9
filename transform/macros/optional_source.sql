{#- A source table that may be missing: the analytics streams land only when the seller's
    app has the analytics scope and they are selected. Returns the relation, or none when
    the table does not exist (the model then selects no rows). At parse time it returns the
    source, so the lineage shows it. -#}
{% macro optional_source(source_name, table_name) -%}
  {%- set relation = source(source_name, table_name) -%}
  {%- if not execute -%}{{ return(relation) }}{%- endif -%}
  {{ return(adapter.get_relation(database=relation.database, schema=relation.schema,
                                 identifier=relation.identifier)) }}
{%- endmacro %}
