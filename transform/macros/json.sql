{#- JSON columns land as JSON in DuckDB (target-duckdb); in PostgreSQL (target-postgres)
    objects land as jsonb and arrays as jsonb[]: these macros hide the difference
    (adapter-dispatched). -#}

{#- The text at a path of keys in a JSON object column (null when missing). -#}
{% macro json_text(column, keys) -%}
  {{ return(adapter.dispatch('json_text', 'tiktokshop')(column, keys)) }}
{%- endmacro %}

{% macro duckdb__json_text(column, keys) -%}
  json_extract_string({{ column }}, '$.{{ keys | join(".") }}')
{%- endmacro %}

{% macro postgres__json_text(column, keys) -%}
  ({{ column }} #>> '{ {{- keys | join(",") -}} }')
{%- endmacro %}

{% macro default__json_text(column, keys) -%}
  {{ exceptions.raise_compiler_error("json_text: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{#- One row per element of a JSON array column (a set-returning select-list expression). -#}
{% macro json_elements(column) -%}
  {{ return(adapter.dispatch('json_elements', 'tiktokshop')(column)) }}
{%- endmacro %}

{% macro duckdb__json_elements(column) -%}
  unnest(cast({{ column }} as json[]))
{%- endmacro %}

{% macro postgres__json_elements(column) -%}
  unnest({{ column }})
{%- endmacro %}

{% macro default__json_elements(column) -%}
  {{ exceptions.raise_compiler_error("json_elements: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}
