{#- The newest version of each primary key of a loaded table, as a subquery.

    The loaders upsert on the stream's key, but a table loaded by other means (or with
    keys changed later) can hold several versions: the row with the greatest `order_by`
    wins (then the latest load batch). Rows a loader marked deleted (`_sdc_deleted_at`:
    target-postgres soft-deletes records of an old table version) are left out. -#}
{% macro newest(relation, keys, order_by=none) -%}
  {%- set columns = [] -%}
  {%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name')
                      | map('lower') | list -%}
  {%- endif -%}
  {%- set ordering = [] -%}
  {%- if order_by -%}{%- do ordering.append(order_by ~ ' desc nulls last') -%}{%- endif -%}
  {%- if '_sdc_batched_at' in columns -%}
    {%- do ordering.append('_sdc_batched_at desc nulls last') -%}
  {%- endif -%}
  {%- do ordering.extend(keys) -%}
  (
    select *
    from (
      select
        versions.*,
        row_number() over (
          partition by {{ keys | join(', ') }}
          order by {{ ordering | join(', ') }}
        ) as newest_rank
      from {{ relation }} as versions
      {%- if '_sdc_deleted_at' in columns %}
      where _sdc_deleted_at is null
      {%- endif %}
    ) as ranked
    where newest_rank = 1
  )
{%- endmacro %}
